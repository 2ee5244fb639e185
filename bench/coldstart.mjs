/**
 * `node bench/run.mjs coldstart [--rounds 5] [--json]`
 *
 * How long the API takes from `node apps/api/dist/index.js` to its first `200` on `/readyz`
 * (issue 16), against a bare Node HTTP server's start in the same run:
 *   postgres    DATABASE_URL set, the database migrated (one start before the rounds does it)
 *   pglite-new  no DATABASE_URL, a new data dir each round (PGlite creates and migrates it)
 *   bare        `http.createServer` answering 200, started the same way
 * Each process listens on a free port (PORT=0) and prints its URL; the load generator then asks
 * `/readyz` every 5 ms until it answers 200. Rounds interleave the three (the order rotates), and
 * the figures are the medians. `--compare <dir>` adds both API cases started from another build
 * of the repository (its apps/api/dist/index.js, say the commit before a change, built) to the
 * same rounds, so before and after are measured under the same load. `--profile` writes a CPU profile of one more start of each API
 * case (`node --cpu-prof`) to bench/profiles/<run>/ and prints its summary.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, fmt, formatTable, sleep } from "./lib/util.mjs";

export const description = "the API's start to /readyz (migrated PostgreSQL, new PGlite dir) ÷ a bare Node HTTP server's start";

const here = fileURLToPath(new URL(".", import.meta.url));
const API = join(here, "..", "apps", "api", "dist", "index.js");
const BARE = `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log("http://127.0.0.1:" + this.address().port); });`;

const usage = `usage: node bench/run.mjs coldstart [options]
  --rounds 5     starts of each case (medians are printed)
  --profile      one more start of each API case under node --cpu-prof, summarized
  --compare DIR  also start DIR/apps/api/dist/index.js (another build) in the same rounds
  --json         also print the results as one JSON line
database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string", default: "5" },
      profile: { type: "boolean", default: false },
      compare: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) throw new BenchError("--rounds: 1…50");
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = randomBytes(3).toString("hex");
  const scratch = mkdtempSync(join(tmpdir(), "pergola-coldstart-"));
  const pgDataDir = join(scratch, "pg");
  const env = { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "production" };
  const cases = {
    bare: () => ({ args: ["-e", BARE], env: {} }),
    postgres: () => ({ args: [API], env: { ...env, DATABASE_URL: databaseUrl, PERGOLA_DATA_DIR: pgDataDir } }),
    "pglite-new": () => ({ args: [API], env: { ...env, DATABASE_URL: "", PERGOLA_DATA_DIR: mkdtempSync(join(scratch, "pglite-")) } }),
  };
  if (values.compare) {
    const other = resolve(values.compare, "apps", "api", "dist", "index.js");
    cases["postgres (compare)"] = () => ({ args: [other], env: { ...env, DATABASE_URL: databaseUrl, PERGOLA_DATA_DIR: pgDataDir } });
    cases["pglite-new (compare)"] = () => ({
      args: [other],
      env: { ...env, DATABASE_URL: "", PERGOLA_DATA_DIR: mkdtempSync(join(scratch, "pglite-")) },
    });
  }
  try {
    console.log(`coldstart: ${rounds} rounds, run ${runId}`);
    // Migrates the database and makes the admin user once, as a first start would.
    await startOnce(cases.postgres());
    const names = Object.keys(cases);
    const times = Object.fromEntries(names.map((name) => [name, []]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length];
        times[name].push(await startOnce(cases[name]()));
      }
    }
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const bare = median(times.bare);
    const results = names.map((name) => ({
      case: name,
      ms: median(times[name]),
      min: Math.min(...times[name]),
      ratio: median(times[name]) / bare,
    }));
    console.log(
      `\n${formatTable(
        ["case", "to /readyz (median)", "min", "÷ bare"],
        results.map((r) => [r.case, `${fmt(r.ms, 0)} ms`, `${fmt(r.min, 0)} ms`, `${fmt(r.ratio, 1)}×`]),
      )}`,
    );
    if (values.profile) {
      const dir = join(here, "profiles", runId);
      mkdirSync(dir, { recursive: true });
      for (const name of ["postgres", "pglite-new"]) {
        const c = cases[name]();
        const profileDir = join(dir, `coldstart-${name}`);
        await startOnce({ args: [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`, ...c.args], env: c.env });
        const [file] = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
        console.log(
          `\nprofile of the API's start, ${name} (${join(profileDir, file)}):\n${summarizeProfile(join(profileDir, file), { top: 12 })}`,
        );
      }
    }
    if (values.json) console.log(JSON.stringify({ benchmark: "coldstart", rounds, results }));
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Starts the process, waits for its URL and a 200 from /readyz (or "ok" for the bare one), stops it: milliseconds. */
async function startOnce({ args, env }) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  try {
    const url = await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        output += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk) => (output += chunk));
      void exited.then(({ code, signal }) =>
        reject(new BenchError(`exited before listening (code ${code}, signal ${signal}):\n${output}`)),
      );
      setTimeout(() => reject(new BenchError(`no URL within 60 s:\n${output}`)), 60_000).unref();
    });
    for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(5)) {
      try {
        const res = await fetch(`${url}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {}
    }
    throw new BenchError(`${url}/readyz did not answer 200 within 60 s`);
  } finally {
    child.kill("SIGTERM");
    const { signal } = await Promise.race([exited, sleep(15_000).then(() => ({ signal: "timeout" }))]);
    if (signal === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
  }
}
