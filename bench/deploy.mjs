/**
 * `deploy`: from `deployRelease` to all 10 services RUNNING and HEALTHY, and from
 * `suspendStage` to SUSPENDED, through the real API and local agent (`scripts/start.mjs`, as
 * `npm start` runs them) — against a baseline measured in the same run: starting the same 10
 * processes directly until each answers its health check, and SIGTERM until all exited.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import { create } from "tar";
import WebSocket from "ws";
import { BenchError, createRun, fmt, formatTable, percentile, sortNumbers } from "./lib/util.mjs";

export const description = "deployRelease → 10 services healthy, and suspend → SUSPENDED, vs. starting and stopping 10 processes directly";

const root = fileURLToPath(new URL("..", import.meta.url));
const COMPONENTS = 10;
const PROBE_INTERVAL = "1s";
const APP = `import { createServer } from "node:http";
const server = createServer((req, res) => res.end(req.url === "/healthz" ? "ok" : "hello"));
server.listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

export async function run(argv) {
  const { values } = parseArgs({ args: argv, options: { repeat: { type: "string", default: "5" }, postgres: { type: "boolean", default: false } } });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new BenchError("--repeat must be a whole number ≥ 1");
  const work = mkdtempSync(join(tmpdir(), "pergola-bench-deploy-"));
  writeFileSync(join(work, "server.mjs"), APP);
  try {
    const baseline = await measureBaseline(work, repeat);
    const pergola = await measurePergola(work, repeat, values.postgres);
    const row = (label, p, b) => [label, `${fmt(p.median)} / ${fmt(p.p90)}`, `${fmt(b.median)} / ${fmt(b.p90)}`, `${fmt(p.median / b.median)}×`];
    console.log(`\ndeploy: ${COMPONENTS} services, ${repeat} repeats; ${cpus().length} cores, Node ${process.version}; health probe interval ${PROBE_INTERVAL}`);
    console.log(formatTable(["ms (median / p90)", "Pergola", "baseline", "Pergola/baseline (median)"], [
      row("deploy → all healthy", pergola.deploy, baseline.start),
      row("suspend → SUSPENDED", pergola.suspend, baseline.stop),
    ]));
    console.log(`\nPergola's deploy includes the agent fetching and unpacking the artifact, the processes starting and one health probe each (every ${PROBE_INTERVAL}).`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function stats(values) {
  const sorted = sortNumbers(values);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90) };
}

async function measureBaseline(work, repeat) {
  const start = [];
  const stop = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    const children = Array.from({ length: COMPONENTS }, (_, i) =>
      spawn(process.execPath, [join(work, "server.mjs")], { env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: String(19101 + i) }, stdio: "ignore" }),
    );
    // The baseline's readiness check: poll each /healthz (a short pause between rounds), as a
    // process supervisor without events would.
    const deadline = t0 + 30_000;
    for (let i = 0; i < COMPONENTS; i++) {
      for (;;) {
        if (performance.now() > deadline) throw new BenchError("baseline processes did not become healthy");
        const ok = await fetch(`http://127.0.0.1:${19101 + i}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    start.push(performance.now() - t0);
    const t1 = performance.now();
    await Promise.all(children.map((c) => new Promise((resolve) => (c.once("exit", resolve), c.kill("SIGTERM")))));
    stop.push(performance.now() - t1);
  }
  return { start: stats(start), stop: stats(stop) };
}

async function measurePergola(work, repeat, postgres) {
  const run = createRun();
  const token = `pgl_${randomBytes(24).toString("base64url")}`;
  const dataDir = join(work, "data");
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PERGOLA_DATA_DIR: dataDir,
      PORT: "0",
      LOG_LEVEL: "warn",
      PERGOLA_ADMIN_TOKEN: token,
      ...(postgres ? { DATABASE_URL: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.once("exit", (code) => run.fail(new BenchError(`npm start exited (${code})`)));
  let client;
  try {
    let output = "";
    const url = await run.wait(
      new Promise((resolve) => child.stdout.on("data", (d) => {
        output += d;
        const match = /Pergola API\s+(http:\/\/\S+?)\/graphql/.exec(output);
        if (match) resolve(match[1]);
      })),
      90_000,
      "npm start did not print its URL",
    );
    const gql = async (query, variables = {}) => {
      const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = await res.json();
      if (body.errors) throw new BenchError(JSON.stringify(body.errors));
      return body.data;
    };
    const slug = `bench-deploy-${randomBytes(3).toString("hex")}`;
    const { createProject } = await gql(`mutation($s: String!) { createProject(input: { name: $s, slug: $s }) { cursor } }`, { s: slug });
    await gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV, suspendGraceSeconds: 10 }) { slug } }`, { p: slug });
    const archive = join(work, "app.tar.gz");
    await create({ gzip: true, file: archive, cwd: work, portable: true }, ["server.mjs"]);
    const upload = await fetch(`${url}/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: readFileSync(archive) });
    const { sha256 } = await upload.json();
    const manifest = {
      version: "v1",
      components: Array.from({ length: COMPONENTS }, (_, i) => ({
        name: `svc-${i}`,
        command: ["node", "server.mjs"],
        ports: [8080],
        health: { http: { path: "/healthz", port: 8080 }, interval: PROBE_INTERVAL, timeout: "1s", threshold: 1 },
      })),
    };
    for (let b = 0; b < 2; b++) await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, { i: { project: slug, manifest, artifact: sha256 } });

    client = createClient({ url: `${url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, connectionParams: { authToken: token }, retryAttempts: 0 });
    const queue = [];
    let notify;
    const events = (query) =>
      client.subscribe({ query, variables: { p: slug, a: createProject.cursor } }, {
        next: (value) => {
          if (value.errors) return run.fail(new BenchError(JSON.stringify(value.errors)));
          queue.push(value.data);
          notify?.();
        },
        error: (error) => run.fail(new BenchError(`subscription failed: ${JSON.stringify(error)}`)),
        complete: () => {},
      });
    events(`subscription($p: String!, $a: String) { componentChanged(project: $p, stage: "dev", after: $a) { component { name state health } } }`);
    events(`subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { stage { state } } }`);
    const until = (predicate, what) =>
      run.wait(
        (async () => {
          for (;;) {
            while (queue.length) if (predicate(queue.shift())) return;
            await new Promise((resolve) => (notify = resolve));
          }
        })(),
        60_000,
        what,
      );
    const allHealthy = () => {
      const seen = new Map();
      return (event) => {
        const c = event.componentChanged?.component;
        if (c) seen.set(c.name, c.state === "RUNNING" && c.health === "HEALTHY");
        return seen.size === COMPONENTS && [...seen.values()].every(Boolean);
      };
    };
    const stageIs = (state) => (event) => event.stageChanged?.stage.state === state;

    const deploy = [];
    const suspend = [];
    for (let r = 0; r < repeat; r++) {
      queue.length = 0;
      const t0 = performance.now();
      await gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, { p: slug, b: `b${(r % 2) + 1}` });
      await until(allHealthy(), `deploy ${r + 1}: not all ${COMPONENTS} services healthy`);
      deploy.push(performance.now() - t0);

      queue.length = 0;
      const t1 = performance.now();
      await gql(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: slug });
      await until(stageIs("SUSPENDED"), `suspend ${r + 1}: never SUSPENDED`);
      suspend.push(performance.now() - t1);
      await gql(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p: slug });
      await until(stageIs("RUNNING"), `resume ${r + 1}: never RUNNING`);
    }
    await gql(`mutation($p: String!) { deleteStage(project: $p, slug: "dev") }`, { p: slug });
    return { deploy: stats(deploy), suspend: stats(suspend) };
  } finally {
    await client?.dispose();
    child.removeAllListeners("exit");
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }
}
