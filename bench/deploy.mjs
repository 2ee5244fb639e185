/**
 * `node bench/run.mjs deploy [--repeat 5] [--postgres]`
 *
 * Ten service Components of one tiny Node HTTP app, each with a port and a 1 s HTTP health probe:
 *   - Pergola: the API and the local agent exactly as `npm start` runs them (`scripts/start.mjs`,
 *     fresh temp data dir, embedded database unless `--postgres`). Timed: `deployRelease` sent →
 *     all 10 Components RUNNING and HEALTHY (graphql-ws `componentChanged`), `suspendStage` sent →
 *     the Stage SUSPENDED (`stageChanged`), and `resumeStage` sent → all 10 healthy again.
 *     Each round is resume (from the 2nd on), a new Release (a new Build, or a Configuration
 *     change, alternately), suspend.
 *   - Baseline, same run, same app and ports: `child_process.spawn` the 10 processes directly and
 *     poll each `/healthz` until it answers 200; then SIGTERM all and wait until every one exited.
 * Medians and p90 over `--repeat` rounds; the ratio Pergola/baseline of the medians.
 * Every wait is bounded; on failure the script says what did not arrive, kills everything it
 * started (start.mjs by SIGTERM: it stops the agent and its Components) and exits 1.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import { create as createTar } from "tar";
import WebSocket from "ws";
import { BenchError, createRun, fmt, formatTable, percentile, sleep, sortNumbers } from "./lib/util.mjs";

export const description =
  "deployRelease → 10 services RUNNING+HEALTHY, suspend → SUSPENDED (npm start: API + local agent) vs spawning the 10 processes directly";

const root = fileURLToPath(new URL("..", import.meta.url));
const COMPONENTS = 10;
const PROBE_INTERVAL = "1s";
const PROBE_INTERVAL_MS = 1000;
const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The app, for both systems: listens on HOST:PORT, answers /healthz, exits at once on SIGTERM. */
const APP = `import { createServer } from "node:http";
const server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(req.url === "/healthz" ? "ok" : "hello " + (process.env.BENCH_GEN ?? ""));
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;

const usage = `usage: node bench/run.mjs deploy [options]
  --repeat 5       rounds per system (medians and p90 over them)
  --timeout 60     seconds any single wait may take (a deploy, a suspend, the start of npm start…)
  --postgres       run the API on PostgreSQL (DATABASE_URL = BENCH_DATABASE_URL ?? TEST_DATABASE_URL ??
                   ${DEFAULT_DATABASE_URL}) instead of the embedded database
  --json           also print the results as one JSON line`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      repeat: { type: "string", default: "5" },
      timeout: { type: "string", default: "60" },
      postgres: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new BenchError(`--repeat: a positive integer, got "${values.repeat}"`);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new BenchError(`--timeout: seconds > 0, got "${values.timeout}"`);
  const databaseUrl = values.postgres
    ? (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL)
    : undefined;

  const machine = {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  };
  console.log(`deploy: ${COMPONENTS} service Components, health probe every ${PROBE_INTERVAL}, ${repeat} rounds per system`);
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}, load ${machine.load}`,
  );
  console.log(`database: ${databaseUrl ? redact(databaseUrl) : "embedded (PGlite, as npm start)"}\n`);

  const work = mkdtempSync(join(os.tmpdir(), "pergola-bench-deploy-"));
  const appDir = join(work, "app");
  mkdirSync(appDir);
  writeFileSync(join(appDir, "server.mjs"), APP);
  try {
    const ports = await freePorts(COMPONENTS);
    const baseline = await measureBaseline({ appDir, ports, repeat, timeoutMs });
    const pergola = await measurePergola({ work, appDir, ports, repeat, timeoutMs, databaseUrl });
    printResults({ pergola, baseline, repeat, machine });
    if (values.json) {
      console.log(
        JSON.stringify({
          benchmark: "deploy",
          date: new Date().toISOString(),
          machine,
          components: COMPONENTS,
          probeIntervalMs: PROBE_INTERVAL_MS,
          pergola,
          baseline,
        }),
      );
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Baseline

async function measureBaseline({ appDir, ports, repeat, timeoutMs }) {
  const start = [];
  const stop = [];
  for (let r = 0; r < repeat; r++) {
    const run = createRun();
    const children = [];
    try {
      const t0 = performance.now();
      for (let i = 0; i < COMPONENTS; i++) {
        const child = spawn(process.execPath, ["server.mjs"], {
          cwd: appDir,
          env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(ports[i]), BENCH_GEN: String(r) },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
        child.exited = new Promise((resolve) => child.once("exit", resolve));
        child.once("exit", (code, signal) => {
          if (!child.stopping)
            run.fail(new BenchError(`baseline process ${i} (port ${ports[i]}) exited (code ${code}, signal ${signal}): ${stderr.trim()}`));
        });
        child.once("error", (error) => run.fail(new BenchError(`baseline process ${i}: ${error.message}`)));
        children.push(child);
      }
      const healthy = new Set();
      await run.wait(
        Promise.all(ports.map((port, i) => pollHealthy(run, port).then(() => healthy.add(i)))),
        timeoutMs,
        () => `baseline round ${r + 1}: /healthz did not answer 200 on ports ${ports.filter((_, i) => !healthy.has(i)).join(", ")}`,
      );
      start.push(performance.now() - t0);

      const t1 = performance.now();
      for (const child of children) {
        child.stopping = true;
        child.kill("SIGTERM");
      }
      await run.wait(
        Promise.all(children.map((c) => c.exited)),
        timeoutMs,
        () =>
          `baseline round ${r + 1}: ${children.filter((c) => c.exitCode === null && c.signalCode === null).length} processes did not exit after SIGTERM`,
      );
      stop.push(performance.now() - t1);
      console.log(
        `  baseline round ${r + 1}: start → all healthy ${fmt(start.at(-1), 0)} ms, SIGTERM → all exited ${fmt(stop.at(-1), 0)} ms`,
      );
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.stopping = true;
          child.kill("SIGKILL");
        }
      }
      await Promise.race([Promise.all(children.map((c) => c.exited)), sleep(5_000)]);
    }
  }
  return { start: summary(start), stop: summary(stop) };
}

/**
 * The baseline's readiness check: GET /healthz until it answers 200. A busy poll with a short
 * `setTimeout` between attempts is acceptable here only because it is the baseline's readiness
 * check (there is no event to wait for; it is what a minimal supervisor would do) — it is bounded
 * by the caller's `run.wait` timeout and stops as soon as the run fails.
 */
async function pollHealthy(run, port) {
  for (;;) {
    if (run.failure) throw run.failure;
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status === 200;
      },
      () => false,
    );
    if (ok) return;
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------
// Pergola

async function measurePergola({ work, appDir, ports, repeat, timeoutMs, databaseUrl }) {
  const run = createRun();
  const token = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const dataDir = join(work, "pergola-data");
  const project = `bench-deploy-${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  let output = ""; // the tail of start.mjs's stdout+stderr, for failure messages
  const keep = (d) => (output = (output + d).slice(-6000));
  const started = performance.now();
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PERGOLA_DATA_DIR: dataDir,
      PORT: "0",
      LOG_LEVEL: "warn",
      PERGOLA_ADMIN_TOKEN: token,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stopping = false;
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(({ code, signal }) => {
    if (!stopping)
      run.fail(new BenchError(`scripts/start.mjs exited (code ${code}, signal ${signal}); its last output:\n${output.trim()}`));
  });
  child.stderr.on("data", keep);

  let client;
  let url;
  const rounds = [];
  try {
    url = await run.wait(
      new Promise((resolve) =>
        child.stdout.on("data", (d) => {
          keep(d);
          const match = /Pergola API\s+(http:\/\/\S+?)\/graphql/.exec(output);
          if (match) resolve(match[1]);
        }),
      ),
      Math.max(timeoutMs, 90_000),
      () => `scripts/start.mjs did not print its URL; its output:\n${output.trim()}`,
    );
    const startupMs = performance.now() - started;
    console.log(`\n  Pergola: npm start printed ${url} after ${fmt(startupMs, 0)} ms`);

    const gql = async (query, variables = {}) => {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || body.errors)
        throw new BenchError(`Pergola answered ${res.status} to ${query.slice(0, 70)}…: ${JSON.stringify(body.errors ?? body)}`);
      return body.data;
    };
    const ok = (promise, what) => run.wait(promise, timeoutMs, what);

    const { createProject } = await ok(
      gql(`mutation($s: String!) { createProject(input: { name: $s, slug: $s }) { slug cursor } }`, { s: project }),
      "createProject",
    );
    const p = createProject.slug;

    // Every event of the Project after its creation, on one graphql-ws connection; each event
    // is kept with its arrival time and its seq (cursors are the events' decimal seq).
    const events = new Events(run);
    client = createClient({
      url: `${url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: token },
      retryAttempts: 0,
      on: { closed: (e) => !stopping && run.fail(new BenchError(`the graphql-ws connection closed (${e?.code} ${e?.reason ?? ""})`)) },
    });
    const subscribe = (key, query) =>
      client.subscribe(
        { query, variables: { p, a: createProject.cursor } },
        {
          next: (value) =>
            value.errors ? run.fail(new BenchError(`${key}: ${JSON.stringify(value.errors)}`)) : events.push(key, value.data[key]),
          error: (error) => !stopping && run.fail(new BenchError(`${key} subscription failed: ${describe(error)}`)),
          complete: () => !stopping && run.fail(new BenchError(`${key} subscription completed`)),
        },
      );
    subscribe(
      "componentChanged",
      `subscription($p: String!, $a: String) { componentChanged(project: $p, stage: "dev", after: $a) { cursor component { name state health } } }`,
    );
    subscribe(
      "releaseChanged",
      `subscription($p: String!, $a: String) { releaseChanged(project: $p, stage: "dev", after: $a) { cursor kind release { number state } } }`,
    );
    subscribe(
      "stageChanged",
      `subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { cursor kind stage { slug state } } }`,
    );

    await ok(
      gql(
        `mutation($p: String!) { createStage(input: { project: $p, name: "dev", slug: "dev", type: DEV, suspendGraceSeconds: 10 }) { slug } }`,
        { p },
      ),
      "createStage",
    );
    // The Stage's creation arriving on stageChanged proves the connection and the subscriptions
    // (sent before it on the same socket) are live: no later figure includes connecting.
    await events.until(
      () => events.find("stageChanged", (e) => e.value.kind === "STAGE_CREATED"),
      timeoutMs,
      "stageChanged: the Stage's creation never arrived",
    );

    const archive = join(work, "app.tar.gz");
    await createTar({ gzip: true, file: archive, cwd: appDir, portable: true }, ["server.mjs"]);
    const upload = await ok(
      fetch(`${url}/artifacts?project=${p}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: readFileSync(archive),
        signal: AbortSignal.timeout(timeoutMs),
      }),
      "POST /artifacts",
    );
    const { sha256 } = await upload.json();
    if (!upload.ok || !sha256) throw new BenchError(`POST /artifacts answered ${upload.status}`);
    const manifest = {
      version: "v1",
      components: ports.map((port, i) => ({
        name: `svc-${i}`,
        command: ["node", "server.mjs"],
        env: [{ name: "BENCH_GEN", "config-ref": "BENCH_GEN", value: "0" }],
        ports: [port],
        health: { http: { path: "/healthz", port }, interval: PROBE_INTERVAL, timeout: PROBE_INTERVAL },
      })),
    };
    const createBuild = async () =>
      (
        await ok(
          gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
            i: { project: p, branch: "bench", artifact: sha256, manifest },
          }),
          "createBuild",
        )
      ).createBuild.name;

    const names = () => manifest.components.map((c) => c.name);
    /** All 10 RUNNING+HEALTHY, judged on the component events accepted by `filter`: the arrival time of the event that made it so. */
    const allHealthyAt = (filter) => {
      const last = new Map();
      let at;
      for (const e of events.of("componentChanged")) {
        if (!filter(e)) continue;
        last.set(e.value.component.name, e.value.component);
        if (names().every((n) => last.get(n)?.state === "RUNNING" && last.get(n)?.health === "HEALTHY")) {
          at ??= e.at;
        } else at = undefined;
      }
      return at;
    };
    const notHealthy = (filter) => () => {
      const last = new Map();
      for (const e of events.of("componentChanged")) if (filter(e)) last.set(e.value.component.name, e.value.component);
      return names()
        .map((n) => `${n} ${last.get(n) ? `${last.get(n).state}/${last.get(n).health}` : "no event"}`)
        .filter((s) => !s.endsWith("RUNNING/HEALTHY"))
        .join(", ");
    };

    for (let r = 0; r < repeat; r++) {
      const round = { round: r + 1 };
      // Resume (from the 2nd round on): resumeStage → RUNNING → all 10 healthy again.
      if (r > 0) {
        const from = events.count("componentChanged");
        const stageFrom = events.count("stageChanged");
        const t0 = performance.now();
        await ok(gql(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p }), "resumeStage");
        const filter = (e) => e.index >= from;
        const at = await events.until(
          () => allHealthyAt(filter),
          timeoutMs,
          () => `round ${r + 1}, resume: not all healthy: ${notHealthy(filter)()}`,
        );
        const running = events.find(
          "stageChanged",
          (e) => e.index >= stageFrom && e.value.stage.slug === "dev" && e.value.stage.state === "RUNNING",
        );
        round.resume = at - t0;
        round.resumeStageRunning = running ? running.at - t0 : undefined;
      }

      // A new Release: the first Build, then alternately a new Build and a Configuration change.
      let input;
      if (r === 0 || r % 2 === 1) {
        input = { project: p, stage: "dev", build: await createBuild() };
        round.release = `Build ${input.build}`;
      } else {
        await ok(
          gql(
            `mutation($p: String!, $v: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "BENCH_GEN", value: $v }] }) { version } }`,
            { p, v: String(r) },
          ),
          "addConfigData",
        );
        input = { project: p, stage: "dev", config: "default" };
        round.release = "config change";
      }
      const t0 = performance.now();
      const { deployRelease } = await ok(
        gql(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, { i: input }),
        "deployRelease",
      );
      round.answered = performance.now() - t0;
      const number = deployRelease.number;
      // Component events of the new Release are those after its RELEASE_CREATED event: from that
      // commit on, the API refuses the old Release's reports.
      const created = await events.until(
        () => events.find("releaseChanged", (e) => e.value.kind === "RELEASE_CREATED" && e.value.release.number === number),
        timeoutMs,
        `releaseChanged: Release ${number}'s creation never arrived`,
      );
      const filter = (e) => e.seq > created.seq;
      const at = await events.until(
        () => allHealthyAt(filter),
        timeoutMs,
        () => `round ${r + 1}, deploy of Release ${number}: not all healthy: ${notHealthy(filter)()}`,
      );
      round.deploy = at - t0;
      const firstEvent = events.find("componentChanged", filter);
      round.firstComponentEvent = firstEvent ? firstEvent.at - t0 : undefined;
      const deployed = events.find("releaseChanged", (e) => e.value.release.number === number && e.value.release.state === "DEPLOYED");
      round.allRunning = deployed ? deployed.at - t0 : undefined;

      // Suspend: suspendStage → the Stage SUSPENDED.
      const stageFrom = events.count("stageChanged");
      const t1 = performance.now();
      await ok(gql(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p }), "suspendStage");
      const suspended = await events.until(
        () =>
          events.find("stageChanged", (e) => e.index >= stageFrom && e.value.stage.slug === "dev" && e.value.stage.state === "SUSPENDED"),
        timeoutMs,
        () =>
          `round ${r + 1}: the Stage never became SUSPENDED (last stageChanged: ${JSON.stringify(events.of("stageChanged").at(-1)?.value.stage)})`,
      );
      round.suspend = suspended.at - t1;
      rounds.push(round);
      console.log(
        `  Pergola round ${r + 1} (${round.release}): ` +
          (r > 0 ? `resume → all healthy ${fmt(round.resume, 0)} ms; ` : "") +
          `deploy → all healthy ${fmt(round.deploy, 0)} ms (answered ${fmt(round.answered, 0)}, first Component event ${fmt(round.firstComponentEvent, 0)}, all RUNNING ${fmt(round.allRunning, 0)}); ` +
          `suspend → SUSPENDED ${fmt(round.suspend, 0)} ms`,
      );
    }
    return {
      startup: startupMs,
      rounds,
      deploy: summary(rounds.map((x) => x.deploy)),
      firstDeploy: rounds[0].deploy,
      redeploy: rounds.length > 1 ? summary(rounds.slice(1).map((x) => x.deploy)) : undefined,
      answered: summary(rounds.map((x) => x.answered)),
      firstComponentEvent: summary(rounds.map((x) => x.firstComponentEvent).filter(Number.isFinite)),
      allRunning: summary(rounds.map((x) => x.allRunning).filter(Number.isFinite)),
      suspend: summary(rounds.map((x) => x.suspend)),
      resume: rounds.length > 1 ? summary(rounds.slice(1).map((x) => x.resume)) : undefined,
    };
  } finally {
    stopping = true;
    await client?.dispose().catch(() => {});
    if (databaseUrl) await removeFromDatabase(databaseUrl, project, token);
    // SIGTERM: start.mjs stops the API and the agent, and the agent its Components.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const result = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
      if (!result) {
        console.error(
          `warning: scripts/start.mjs (pid ${child.pid}) did not stop within 30 s of SIGTERM; SIGKILL (its agent's Components may be left running)`,
        );
        child.kill("SIGKILL");
        await Promise.race([exited, sleep(5_000)]);
      } else if (result.code !== 0) {
        console.error(
          `warning: scripts/start.mjs exited with ${result.code ?? result.signal} on SIGTERM; its last output:\n${output.trim()}`,
        );
      }
    }
  }
}

/** The Project (its Stages, Releases and events cascade) and the preset admin token, on a shared PostgreSQL. */
async function removeFromDatabase(databaseUrl, project, token) {
  let sql;
  try {
    const [{ default: postgres }, { hashToken }] = await Promise.all([
      import("postgres"),
      import("../apps/api/dist/auth/token.service.js"),
    ]);
    sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    await sql`delete from projects where slug = ${project}`;
    await sql`delete from api_tokens where hash = ${hashToken(token)}`;
  } catch (error) {
    console.error(`warning: could not remove this run's Project and token from PostgreSQL: ${error.message}`);
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
  }
}

/** Subscription events in arrival order, per subscription, with a bounded wait for a condition over them. */
class Events {
  constructor(run) {
    this.run = run;
    this.lists = new Map();
    this.waiters = new Set();
  }
  push(key, value) {
    const list = this.lists.get(key) ?? [];
    this.lists.set(key, list);
    list.push({ at: performance.now(), index: list.length, seq: BigInt(value.cursor), value });
    for (const w of this.waiters) w();
  }
  of(key) {
    return this.lists.get(key) ?? [];
  }
  count(key) {
    return this.of(key).length;
  }
  find(key, predicate) {
    return this.of(key).find(predicate);
  }
  /** Resolves with `check()`'s first result other than undefined, re-checked on every event; bounded. */
  async until(check, ms, message) {
    let waiter;
    const found = new Promise((resolve) => {
      waiter = () => {
        const result = check();
        if (result !== undefined) resolve(result);
      };
      this.waiters.add(waiter);
      waiter();
    });
    try {
      return await this.run.wait(found, ms, message);
    } finally {
      this.waiters.delete(waiter);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function summary(values) {
  const sorted = sortNumbers(values);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), n: sorted.length, min: sorted[0], max: sorted[sorted.length - 1] };
}

function printResults({ pergola, baseline, repeat, machine }) {
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : "n/a");
  const cell = (s) => (s ? `${fmt(s.median, 0)} / ${fmt(s.p90, 0)}` : "n/a");
  console.log(`\n${COMPONENTS} service Components, ${repeat} rounds; ms, median / p90 (nearest rank); ratio of the medians`);
  console.log(
    formatTable(
      ["", "Pergola", "baseline", "Pergola/baseline"],
      [
        [
          `deploy → all healthy (probe every ${PROBE_INTERVAL})`,
          cell(pergola.deploy),
          cell(baseline.start),
          ratio(pergola.deploy.median, baseline.start.median),
        ],
        [
          "  first Release (no old one to stop)",
          fmt(pergola.firstDeploy, 0),
          cell(baseline.start),
          ratio(pergola.firstDeploy, baseline.start.median),
        ],
        [
          "  later Releases (old one stopped first)",
          cell(pergola.redeploy),
          cell(baseline.start),
          ratio(pergola.redeploy?.median, baseline.start.median),
        ],
        [
          `resume → all healthy (probe every ${PROBE_INTERVAL})`,
          cell(pergola.resume),
          cell(baseline.start),
          ratio(pergola.resume?.median, baseline.start.median),
        ],
        [
          "suspend → SUSPENDED / SIGTERM → all exited",
          cell(pergola.suspend),
          cell(baseline.stop),
          ratio(pergola.suspend.median, baseline.stop.median),
        ],
      ],
    ),
  );
  console.log(`\nWhere Pergola's deploy time goes (ms after deployRelease was sent, medians):`);
  console.log(
    formatTable(
      ["step", "ms"],
      [
        ["deployRelease answered", fmt(pergola.answered.median, 0)],
        ["first componentChanged of the new Release", fmt(pergola.firstComponentEvent.median, 0)],
        ["Release DEPLOYED (every service RUNNING)", fmt(pergola.allRunning.median, 0)],
        ["all 10 RUNNING and HEALTHY", fmt(pergola.deploy.median, 0)],
      ],
    ),
  );
  console.log(
    `\nRead the ratio with the probe interval (${PROBE_INTERVAL}) in mind: a Component is HEALTHY only once a probe succeeded.` +
      `\nThe first probe runs as the process starts (before it listens); a probe that fails within the first interval is` +
      `\nretried from 50 ms, doubling (packages/runtime health-probe.ts), so a process that listens within ${PROBE_INTERVAL} is` +
      `\nHEALTHY at the next retry step, not one interval later; one that takes longer waits for the ${PROBE_INTERVAL} ticks, which` +
      `\nthen bound deploy and resume from below. The baseline polls every 5 ms.` +
      `\nnpm start took ${fmt(pergola.startup, 0)} ms to print its URL (not in any figure).` +
      `\nmachine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}, load at start ${machine.load}`,
  );
}

/** `count` TCP ports that are free on every address now (bound on :: / 0.0.0.0, then released). */
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function describe(error) {
  if (Array.isArray(error)) return error.map((e) => e?.message ?? String(e)).join("; ");
  if (error && typeof error === "object" && "code" in error && "reason" in error) return `socket closed (${error.code} ${error.reason})`;
  return error?.message ?? String(error);
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
