/**
 * `node bench/run.mjs db-driver [--seconds 5] [--rounds 3] [--concurrency 20]`
 *
 * The two PostgreSQL drivers packages/db could use, through drizzle, on the same database in
 * the same run: node-postgres (`pg`, as packages/db opens it: its Pool, error listeners and
 * transactions) and postgres.js (`postgres`, plain drizzle over it, as packages/db had it).
 *   - throughput: each driver in a child process of its own, pool of 10, `--concurrency` callers
 *     for `--seconds`, four reads (a project by slug) to one write (a transaction inserting a project and
 *     reading it back) — the API's mix; rounds alternate the order; queries/s as the median of the rounds, and pg ÷
 *     postgres.js. The last round is CPU-profiled: one line per driver, the top modules by self time.
 *   - faults: each driver with 20 callers while its backends are terminated `--kills` times
 *     (default 3, 200 ms apart; pg_terminate_backend on its application_name): does the process survive?
 * Needs PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * migrated (any API start does it). Its projects are named bench-dbd-<run>-… and deleted at the end.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { fmt, formatTable, sleep } from "./lib/util.mjs";

export const description = "node-postgres vs postgres.js through drizzle: queries/s (ratio) and whether each survives terminated backends";

const self = fileURLToPath(import.meta.url);
const DRIVERS = ["pg", "postgres.js"];
const databaseUrl = () => process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
      concurrency: { type: "string", default: "20" },
      kills: { type: "string", default: "3" },
    },
  });
  const runId = randomBytes(3).toString("hex");
  const prefix = `bench-dbd-${runId}`;
  const results = Object.fromEntries(DRIVERS.map((d) => [d, []]));
  const profiles = {};
  const rounds = Number(values.rounds);
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? DRIVERS : [...DRIVERS].reverse();
      for (const driver of order) {
        const out = await child(["throughput", driver, prefix, values.seconds, values.concurrency, round === rounds - 1 ? "profile" : ""]);
        results[driver].push(out.qps);
        if (out.profile) profiles[driver] = out.profile;
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [pgQps, pjsQps] = DRIVERS.map((d) => median(results[d]));
    console.log(`\nthroughput: ${values.concurrency} callers, pool 10, ${values.seconds} s × ${rounds} rounds (4 reads : 1 write)`);
    console.log(
      formatTable(
        ["driver", "queries/s (median)", "rounds"],
        DRIVERS.map((d) => [d, fmt(median(results[d]), 0), results[d].map((q) => fmt(q, 0)).join(" / ")]),
      ),
    );
    console.log(`pg ÷ postgres.js = ${fmt(pgQps / pjsQps, 2)}`);
    for (const d of DRIVERS) console.log(`profile ${d}: ${profiles[d]}`);

    console.log(`\nfaults: 20 callers, backends terminated ${values.kills} times, 200 ms apart`);
    const faults = [];
    for (const driver of DRIVERS) faults.push([driver, ...(await faultRun(driver, prefix, Number(values.kills)))]);
    console.log(formatTable(["driver", "process", "queries ok", "queries failed", "detail"], faults));
  } finally {
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query("delete from projects where slug like $1", [`${prefix}-%`]);
    await admin.end();
  }
  return 0;
}

/** Runs a child and parses the JSON line it prints. */
function child(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [self, "--child", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${args.join(" ")} exited ${code}`))));
  });
}

async function faultRun(driver, prefix, kills) {
  const applicationName = `${prefix}-fault-${driver.replace(/\W/g, "")}`;
  const proc = spawn(process.execPath, [self, "--child", "fault", driver, prefix, applicationName, String(kills)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await sleep(500);
  for (let i = 0; i < kills && proc.exitCode === null; i++) {
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [applicationName]);
    await sleep(200);
  }
  await admin.end();
  const code = await exited;
  if (code !== 0) return ["DIED", "-", "-", (err.split("\n").find((line) => /Error/.test(line)) ?? `exit ${code}`).trim()];
  const { ok, failed } = JSON.parse(out);
  return ["survived", String(ok), String(failed), "failed queries rejected with a connection error"];
}

/** One driver's drizzle database with a pool of 10, its connections named `applicationName`. */
async function openDriver(driver, applicationName) {
  const schema = await import("../packages/db/dist/schema.js");
  if (driver === "pg") {
    // Exactly what the API runs: packages/db's pool, its error listeners and transactions.
    const { openDatabase } = await import("../packages/db/dist/client.js");
    const url = new URL(databaseUrl());
    url.searchParams.set("application_name", applicationName);
    const database = await openDatabase({ url: url.toString(), poolSize: 10 });
    return { db: database.db, schema, close: () => database.close() };
  }
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { default: postgres } = await import("postgres");
  const client = postgres(databaseUrl(), { max: 10, onnotice: () => {}, connection: { application_name: applicationName } });
  return { db: drizzle(client, { schema }), schema, close: () => client.end({ timeout: 5 }) };
}

/** 4 reads : 1 write, as in the API. */
async function operation({ db, schema }, prefix, i) {
  if (i % 5 === 4) {
    // A write as the API makes it: in a transaction, reading what it wrote.
    const slug = `${prefix}-${randomBytes(6).toString("hex")}`;
    await db.transaction(async (tx) => {
      const [row] = await tx.insert(schema.projects).values({ slug, name: slug }).returning({ id: schema.projects.id });
      await tx.select({ seq: schema.projects.seq }).from(schema.projects).where(eq(schema.projects.id, row.id));
    });
  } else {
    await db
      .select({ id: schema.projects.id })
      .from(schema.projects)
      .where(eq(schema.projects.slug, `${prefix}-none`))
      .limit(1);
  }
}

async function throughputChild(driver, prefix, seconds, concurrency, profile) {
  const handle = await openDriver(driver, `${prefix}-bench`);
  for (let i = 0; i < 50; i++) await operation(handle, prefix, i); // warm-up: connections, prepared statements
  let session;
  if (profile) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const until = Date.now() + Number(seconds) * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (Date.now() < until) await operation(handle, prefix, done++);
    }),
  );
  const qps = done / Number(seconds);
  let line;
  if (session) {
    const { profile: cpuprofile } = await session.post("Profiler.stop");
    const file = join(mkdtempSync(join(tmpdir(), "bench-dbd-")), `${driver}.cpuprofile`);
    await writeFile(file, JSON.stringify(cpuprofile));
    const modules = summarizeProfile(file).split("\n").slice(3, 8);
    line = modules.map((row) => row.trim().replace(/\s+/g, " ")).join("; ");
  }
  await handle.close();
  return { qps, profile: line };
}

async function faultChild(driver, prefix, applicationName, kills) {
  const handle = await openDriver(driver, applicationName);
  let ok = 0;
  let failed = 0;
  const until = Date.now() + 1000 + Number(kills) * 200;
  await Promise.all(
    Array.from({ length: 20 }, async (_, caller) => {
      for (let i = caller; Date.now() < until; i++) {
        try {
          await operation(handle, prefix, i);
          ok++;
        } catch {
          failed++;
        }
      }
    }),
  );
  await handle.db.execute(sql`select 1`); // and it still works
  await handle.close();
  return { ok, failed };
}

if (process.argv[2] === "--child") {
  const [mode, ...rest] = process.argv.slice(3);
  const out = mode === "throughput" ? await throughputChild(...rest) : await faultChild(...rest);
  console.log(JSON.stringify(out));
  process.exit(0);
} else if (process.argv[1] === self) {
  process.exit(await run(process.argv.slice(2)));
}
