/**
 * `node bench/run.mjs subscriptions [--subscribers 100,1000] [--events 200]`
 *
 * One Stage changes M times, one change at a time; N WebSocket subscribers each receive every
 * change. Measured for Pergola (the built API in its own process, graphql-ws `stageChanged`
 * subscriptions, `updateStage` mutations over HTTP) and for a baseline (a bare `ws` server in its
 * own process that LISTENs on PostgreSQL and writes one pre-serialized message to every socket
 * per NOTIFY), with the same N, M and message size:
 *   - latency from just before the write (mutation / NOTIFY) to each subscriber's receipt, p50 and p99
 *     over all N×M deliveries, and the p50 of "the last subscriber has it";
 *   - the server process's CPU time during the stream / (N×M) = CPU µs per delivery, and the same
 *     with the fixed per-event cost (measured with no subscribers) taken out: the fan-out cost;
 *   - memory per connection: (server heap+external, and RSS, after N clients are connected,
 *     subscribed and live − before) / N, both after a full GC.
 * Every subscriber must receive every event exactly once and in order, or the run fails.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import postgres from "postgres";
import WebSocket from "ws";
import { hashToken } from "../apps/api/dist/auth/token.service.js";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, createRun, fmt, formatTable, percentile, sleep, sortNumbers, startChild } from "./lib/util.mjs";

export const description = "Stage change → N graphql-ws subscribers: Pergola vs a bare ws + LISTEN/NOTIFY broadcast";

const here = fileURLToPath(new URL(".", import.meta.url));
const PERGOLA_SERVER = join(here, "lib", "pergola-server.mjs");
const BASELINE_SERVER = join(here, "lib", "baseline-server.mjs");
const CONNECT_BATCH = 50;
const SUBSCRIPTION = "subscription($p: String!) { stageChanged(project: $p) { cursor kind stage { slug name state } } }";
const UPDATE_STAGE = "mutation($i: UpdateStageInput!) { updateStage(input: $i) { slug } }";

const usage = `usage: node bench/run.mjs subscriptions [options]
  --subscribers 100,1000   subscriber counts N to measure (comma-separated)
  --events 200             Stage changes M per measurement
  --timeout 10             seconds to wait for one event to reach every subscriber
  --repeat 1               measure each N this many times (fresh servers each time) and report the medians
  --profile                CPU-profile both servers during the stream; writes bench/profiles/*.cpuprofile
                           and prints the hottest functions
  --json                   also print the results as one JSON line
database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      subscribers: { type: "string", default: "100,1000" },
      events: { type: "string", default: "200" },
      timeout: { type: "string", default: "10" },
      repeat: { type: "string", default: "1" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const counts = values.subscribers.split(",").map((s) => Number(s.trim()));
  const events = Number(values.events);
  const eventTimeoutMs = Number(values.timeout) * 1000;
  if (counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new BenchError(`--subscribers: positive integers, got "${values.subscribers}"`);
  if (!Number.isInteger(events) || events < 1) throw new BenchError(`--events: a positive integer, got "${values.events}"`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new BenchError(`--repeat: a positive integer, got "${values.repeat}"`);
  if (!(eventTimeoutMs > 0)) throw new BenchError(`--timeout: seconds > 0, got "${values.timeout}"`);
  checkFileLimit(Math.max(...counts));

  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const profileDir = values.profile ? join(here, "profiles", runId) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  let pgVersion;
  try {
    pgVersion = (await sql`select current_setting('server_version') as v`)[0].v;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new BenchError(`cannot reach PostgreSQL at ${redact(databaseUrl)}: ${error.message}`);
  }

  const machine = {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    postgres: pgVersion,
  };
  console.log(`subscriptions: M=${events} sequential Stage changes → N subscribers, N = ${counts.join(", ")}`);
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
  );
  console.log(`database: ${redact(databaseUrl)}\n`);

  const results = [];
  try {
    for (const n of counts) {
      const rounds = [];
      for (let r = 0; r < repeat; r++) {
        const common = { n, events, eventTimeoutMs, databaseUrl, profileDir: r === 0 ? profileDir : undefined };
        const pergola = await measure(pergolaSystem({ ...common, adminToken, project: `bench-${runId}-${n}-${r}` }), common);
        report(pergola);
        const baseline = await measure(
          baselineSystem({ ...common, sql, channel: `bench_${runId}_${n}_${r}`, payloadBytes: Math.max(pergola.messageBytes ?? 200, 16) }),
          common,
        );
        report(baseline);
        rounds.push({ pergola, baseline });
      }
      results.push({ n, events, repeat, pergola: medians(rounds.map((x) => x.pergola)), baseline: medians(rounds.map((x) => x.baseline)) });
      console.log();
    }
  } finally {
    // The Projects (their Stages and events cascade) and the admin token were made for this run only.
    try {
      await sql`delete from projects where slug like ${`bench-${runId}-%`}`;
      await sql`delete from api_tokens where hash = ${hashToken(adminToken)}`;
    } catch (error) {
      if (error.code !== "42P01") console.error(`warning: could not remove this run's Projects and token: ${error.message}`);
    }
    await sql.end({ timeout: 5 });
  }

  for (const r of results) {
    const med = r.repeat > 1 ? `, medians of ${r.repeat} runs` : "";
    console.log(
      `N = ${r.n} subscribers, M = ${r.events} events (${r.n * r.events} deliveries each), message ${r.pergola.messageBytes} B${med}`,
    );
    console.log(`${table(r.pergola, r.baseline)}\n`);
  }
  if (profileDir) {
    for (const r of results) {
      for (const m of [r.pergola, r.baseline]) {
        if (!m.profile) continue;
        console.log(`${m.system}, N=${r.n}: ${m.profile}`);
        console.log(`${summarizeProfile(m.profile, { top: 20 })}\n`);
      }
    }
  }
  if (values.json) console.log(JSON.stringify({ benchmark: "subscriptions", date: new Date().toISOString(), machine, results }));
  return 0;
}

function table(p, b) {
  const ratio = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? `${(x / y).toFixed(1)}×` : "n/a");
  const row = (label, key, digits, withRatio = true) => [
    label,
    fmt(p[key], digits),
    fmt(b[key], digits),
    withRatio ? ratio(p[key], b[key]) : "",
  ];
  return formatTable(
    ["", "Pergola", "baseline", "Pergola/baseline"],
    [
      row("latency p50 (ms)", "p50", 2),
      row("latency p99 (ms)", "p99", 2),
      row("all N delivered, p50 (ms)", "allP50", 2),
      row("server CPU per delivery (µs)", "cpuPerDelivery", 1),
      row("  fan-out only (µs)", "fanoutPerDelivery", 1),
      row("  fixed per event (µs)", "fixedPerEvent", 0),
      row("heap+external per connection (KB)", "heapPerConn", 1),
      row("RSS per connection (KB, noisy)", "rssPerConn", 1, p.rssPerConn > 0 && b.rssPerConn > 0),
      row("heap kept after the stream (B/delivery)", "retainedPerDelivery", 0, false),
    ],
  );
}

/** The median of every numeric figure over several measurements of one system. */
function medians(measurements) {
  const out = { ...measurements[0] };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== "number" || key === "n" || key === "events") continue;
    const sorted = measurements.map((m) => m[key]).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    out[key] = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
  return out;
}

function report(m) {
  console.log(
    `  ${m.system.padEnd(8)} N=${m.n}: p50 ${fmt(m.p50, 2)} ms, p99 ${fmt(m.p99, 2)} ms, ` +
      `${fmt(m.cpuPerDelivery, 1)} µs CPU/delivery, ${fmt(m.heapPerConn, 1)} KB heap/conn, ${fmt(m.rssPerConn, 1)} KB RSS/conn`,
  );
}

/**
 * One measurement: start the system's server, warm it up, measure the fixed per-event cost with
 * no subscribers, connect N subscribers, wait until all are live, stream M events.
 */
async function measure(system, { n, events, eventTimeoutMs, profileDir }) {
  const run = createRun();
  const subscribers = [];
  let server;
  try {
    server = await startChild(run, system.script, { name: system.name, env: system.env });
    await system.setup(run, server);

    // Warm-up with one subscriber (JIT, caches, the LISTEN connection), then none.
    const primer = new Deliveries(run, 1, 0);
    const one = system.openSubscriber(run, server, 0, primer);
    await run.wait(one.connected, 30_000, `${system.name}: the first subscriber did not connect`);
    await warmUp(run, system, primer, eventTimeoutMs);
    await one.close();
    await sleep(200);

    // The fixed cost of an event nobody listens to: for Pergola the mutation itself.
    const fixedEvents = Math.min(events, 100);
    if (profileDir) await server.startProfile();
    const c0 = await server.stats();
    for (let i = 0; i < fixedEvents; i++)
      await run.wait(system.emit(`z${i}`), eventTimeoutMs, `${system.name}: event z${i} was not accepted`);
    await sleep(100); // a NOTIFY's delivery to the server lags the NOTIFY statement's answer
    const c1 = await server.stats();
    if (profileDir) await server.stopProfile(join(profileDir, `${system.name}-N${n}-no-subscribers.cpuprofile`));
    const fixedPerEvent = cpuMicros(c1, c0) / fixedEvents;

    // N subscribers, connected in batches, each live once it received a warm-up event.
    const before = await server.stats({ gc: true });
    const deliveries = new Deliveries(run, n, events);
    for (let start = 0; start < n; start += CONNECT_BATCH) {
      const batch = [];
      for (let s = start; s < Math.min(n, start + CONNECT_BATCH); s++) {
        const subscriber = system.openSubscriber(run, server, s, deliveries);
        subscribers.push(subscriber);
        batch.push(subscriber.connected);
      }
      await run.wait(Promise.all(batch), 30_000, `${system.name}: subscribers ${start}–${start + batch.length - 1} did not connect`);
    }
    await warmUp(run, system, deliveries, eventTimeoutMs);
    await sleep(200);
    const after = await server.stats({ gc: true });

    // The stream.
    if (profileDir) await server.startProfile();
    const s0 = await server.stats();
    for (let i = 0; i < events; i++) {
      const delivered = deliveries.expect(i);
      deliveries.sent(i);
      await run.wait(
        Promise.all([system.emit(`n${i}`), delivered]),
        eventTimeoutMs,
        () => `${system.name}: event ${i + 1}/${events} reached ${n - deliveries.remaining[i]} of ${n} subscribers`,
      );
    }
    const s1 = await server.stats();
    let profile;
    if (profileDir) {
      profile = join(profileDir, `${system.name}-N${n}.cpuprofile`);
      await server.stopProfile(profile);
    }
    // Whatever the stream left behind in the heap (it should be ~0: nothing is kept per event).
    await sleep(200);
    const end = await server.stats({ gc: true });
    const latencies = sortNumbers(deliveries.latencies.subarray(0, deliveries.count));
    if (latencies.length !== n * events) throw new BenchError(`${system.name}: ${latencies.length} deliveries, expected ${n * events}`);
    const completion = sortNumbers(deliveries.completion);
    const cpuPerDelivery = cpuMicros(s1, s0) / (n * events);
    return {
      system: system.name,
      n,
      events,
      messageBytes: system.messageBytes?.() ?? deliveries.messageBytes,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      allP50: percentile(completion, 50),
      allP99: percentile(completion, 99),
      cpuPerDelivery,
      fixedPerEvent,
      fanoutPerDelivery: Math.max(0, (cpuMicros(s1, s0) - fixedPerEvent * events) / (n * events)),
      heapPerConn: (heapBytes(after) - heapBytes(before)) / n / 1024,
      rssPerConn: (after.memory.rss - before.memory.rss) / n / 1024,
      retainedPerDelivery: (heapBytes(end) - heapBytes(after)) / (n * events),
      profile,
    };
  } finally {
    await Promise.allSettled(subscribers.map((s) => s.close()));
    await server?.close();
    await system.teardown?.();
  }
}

/** Emits warm-up events until every subscriber has received one: then all are live. */
async function warmUp(run, system, deliveries, eventTimeoutMs) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const allLive = deliveries.allLive();
    await run.wait(system.emit(deliveries.nextWarmUp()), eventTimeoutMs, `${system.name}: a warm-up event was not accepted`);
    const done = await run.wait(
      Promise.race([allLive.then(() => true), sleep(1_000).then(() => false)]),
      eventTimeoutMs,
      `${system.name}: warm-up`,
    );
    if (done) return;
    if (run.failure) throw run.failure;
    if (Date.now() > deadline) {
      throw new BenchError(`${system.name}: after 60 s only ${deliveries.liveCount} of ${deliveries.n} subscribers receive events`);
    }
  }
}

/**
 * Bookkeeping of who received what, in one process clock. Event names: `w<k>` warm-up (a
 * subscriber is live once it got one), `z<i>` the no-subscriber phase, `n<i>` the i-th measured event. Checks that each
 * subscriber receives the measured events exactly once and in order.
 */
class Deliveries {
  constructor(run, n, events) {
    this.run = run;
    this.n = n;
    this.live = new Uint8Array(n);
    this.liveCount = 0;
    this.warmUps = 0;
    this.last = new Int32Array(n).fill(-1);
    this.latencies = new Float64Array(n * events);
    this.count = 0;
    this.t0 = [];
    this.remaining = [];
    this.completion = [];
    this.waiters = new Map();
    this.liveWaiter = undefined;
    this.messageBytes = undefined;
  }

  nextWarmUp() {
    return `w${Date.now().toString(36)}${this.warmUps++}`;
  }

  allLive() {
    if (this.liveCount === this.n) return Promise.resolve();
    return new Promise((resolve) => (this.liveWaiter = resolve));
  }

  /** Called before event `i` is emitted; resolves when all N have it. */
  expect(i) {
    this.remaining[i] = this.n;
    return new Promise((resolve) => this.waiters.set(i, resolve));
  }

  sent(i) {
    this.t0[i] = performance.now();
  }

  receive(subscriber, name) {
    const now = performance.now();
    if (name.startsWith("w")) {
      if (!this.live[subscriber]) {
        this.live[subscriber] = 1;
        if (++this.liveCount === this.n) this.liveWaiter?.();
      }
      return;
    }
    if (name.startsWith("z")) return; // a late event of the no-subscriber phase (NOTIFY delivery lags)
    if (!name.startsWith("n")) return this.run.fail(new BenchError(`subscriber ${subscriber} received an unexpected event "${name}"`));
    const i = Number(name.slice(1));
    if (this.t0[i] === undefined) return this.run.fail(new BenchError(`subscriber ${subscriber} received event ${i} before it was sent`));
    if (this.last[subscriber] !== i - 1) {
      return this.run.fail(
        new BenchError(
          `subscriber ${subscriber} received event ${i} after event ${this.last[subscriber]}: a duplicate, a gap or out of order`,
        ),
      );
    }
    this.last[subscriber] = i;
    this.latencies[this.count++] = now - this.t0[i];
    if (--this.remaining[i] === 0) {
      this.completion[i] = now - this.t0[i];
      this.waiters.get(i)?.();
      this.waiters.delete(i);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The systems under test. Each: { name, script, env, setup(run, server), emit(name),
// openSubscriber(run, server, index, deliveries) → { connected, close() }, teardown() }.

function pergolaSystem({ adminToken, project, databaseUrl }) {
  let graphqlUrl;
  let messageBytes;
  const gql = async (query, variables) => {
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || body.errors) {
      throw new BenchError(`Pergola answered ${response.status} to ${query.slice(0, 60)}…: ${JSON.stringify(body.errors ?? body)}`);
    }
    return body.data;
  };
  return {
    name: "Pergola",
    script: PERGOLA_SERVER,
    env: { BENCH_DATABASE_URL: databaseUrl, BENCH_ADMIN_TOKEN: adminToken },
    messageBytes: () => messageBytes,
    async setup(run, server) {
      graphqlUrl = server.info.graphqlUrl;
      await run.wait(
        gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: project, slug: project } }),
        15_000,
        "createProject",
      );
      await run.wait(
        gql(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "s1", slug: "s1", type: "DEV" } }),
        15_000,
        "createStage",
      );
    },
    emit: (name) => gql(UPDATE_STAGE, { i: { project, slug: "s1", name } }),
    openSubscriber(run, server, index, deliveries) {
      let closing = false;
      let onConnected;
      const connected = new Promise((resolve) => (onConnected = resolve));
      const fail = (what) => {
        if (!closing) run.fail(new BenchError(`Pergola subscriber ${index}: ${what}`));
      };
      const client = createClient({
        url: server.info.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authToken: adminToken },
        retryAttempts: 0,
        on: {
          connected: () => onConnected(),
          closed: (event) => fail(`socket closed (${event?.code} ${event?.reason ?? ""})`),
          // The size of one `next` message as sent, to give the baseline the same.
          ...(index === 0 && {
            message: (m) => {
              if (m.type === "next") messageBytes ??= Buffer.byteLength(JSON.stringify(m));
            },
          }),
        },
      });
      const unsubscribe = client.subscribe(
        { query: SUBSCRIPTION, variables: { p: project } },
        {
          next: (result) => {
            if (result.errors) return fail(`errors: ${JSON.stringify(result.errors)}`);
            const name = result.data?.stageChanged?.stage?.name;
            if (typeof name !== "string") return fail(`unexpected payload ${JSON.stringify(result)}`);
            deliveries.receive(index, name);
          },
          error: (error) => fail(`subscription error: ${describe(error)}`),
          complete: () => fail("the subscription completed"),
        },
      );
      return {
        connected,
        async close() {
          closing = true;
          unsubscribe();
          await client.dispose();
        },
      };
    },
  };
}

function baselineSystem({ sql, channel, payloadBytes, databaseUrl }) {
  return {
    name: "baseline",
    script: BASELINE_SERVER,
    env: { BENCH_DATABASE_URL: databaseUrl, BENCH_CHANNEL: channel, BENCH_PAYLOAD_BYTES: String(payloadBytes) },
    async setup() {},
    emit: (name) => sql`select pg_notify(${channel}, ${name})`,
    openSubscriber(run, server, index, deliveries) {
      let closing = false;
      const fail = (what) => {
        if (!closing) run.fail(new BenchError(`baseline subscriber ${index}: ${what}`));
      };
      const ws = new WebSocket(server.info.wsUrl, { perMessageDeflate: false });
      const connected = new Promise((resolve) => ws.once("open", resolve));
      ws.on("message", (data) => {
        if (deliveries.messageBytes === undefined) deliveries.messageBytes = data.length;
        let name;
        try {
          name = JSON.parse(data).payload.data.stageChanged.stage.name;
        } catch {
          return fail(`unexpected message ${String(data).slice(0, 100)}`);
        }
        deliveries.receive(index, name);
      });
      ws.on("error", (error) => fail(error.message));
      ws.on("close", (code) => fail(`socket closed (${code})`));
      return {
        connected,
        async close() {
          closing = true;
          if (ws.readyState === WebSocket.CLOSED) return;
          const closed = new Promise((resolve) => ws.once("close", resolve));
          ws.terminate();
          await closed;
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------

function cpuMicros(later, earlier) {
  return later.cpu.user + later.cpu.system - earlier.cpu.user - earlier.cpu.system;
}

function heapBytes(stats) {
  return stats.memory.heapUsed + stats.memory.external;
}

function describe(error) {
  if (Array.isArray(error)) return error.map((e) => e?.message ?? String(e)).join("; ");
  if (error && typeof error === "object" && "code" in error && "reason" in error) return `socket closed (${error.code} ${error.reason})`;
  return error?.message ?? String(error);
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/** Every connection is a file descriptor in the load generator and in the server. */
function checkFileLimit(maxSubscribers) {
  let limit = Infinity;
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    if (out !== "unlimited") limit = Number(out);
  } catch {
    return;
  }
  const needed = maxSubscribers + 256;
  if (limit < needed) {
    throw new BenchError(
      `${maxSubscribers} subscribers need about ${needed} open files per process, but the limit is ${limit}. ` +
        `Raise it in this shell first, e.g. \`ulimit -n ${Math.max(4096, needed)}\`, then run again.`,
    );
  }
}
