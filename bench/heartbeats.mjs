/**
 * `node bench/run.mjs heartbeats [--agents 1000,5000] [--window 10] [--interval 1000]`
 *
 * N simulated agents, each with its own Outpost (heartbeatIntervalSeconds 1), each on its own
 * graphql-ws socket (connectionParams { authToken: <agent token>, agentVersion: "bench" }),
 * heartbeat every --interval ms (`mutation($l: Int) { heartbeat(latencyMs: $l) { … } }`, one
 * outstanding per agent, random phase) against the real API (built, in its own process, on
 * PostgreSQL). Measured over a window after a warm-up:
 *   - acks/s (heartbeats ingested per second), ack latency p50/p99, API process CPU;
 *   - proof of the writes: every Outpost's `outpost_heartbeats.last_seen_at` advanced past the
 *     window's start (database clock) — pg_stat_user_tables counters are not used: a busy
 *     backend reports them up to 10 s late;
 *   - the floor: one-row `UPDATE outpost_heartbeats SET last_seen_at = now() WHERE outpost_id = $1`
 *     from this process, as fast as possible for the same window, once sequentially (1
 *     connection) and once with 10 in flight on 10 connections (the API's pool size);
 *   - ingested/s ÷ floor UPDATEs/s.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import postgres from "postgres";
import WebSocket from "ws";
import { hashToken } from "../apps/api/dist/auth/token.service.js";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, createRun, fmt, formatTable, percentile, sleep, sortNumbers, startChild } from "./lib/util.mjs";

export const description = "N agents heartbeating over graphql-ws: acks/s, ack p50/p99, DB writes verified, vs a one-row UPDATE floor";

const here = fileURLToPath(new URL(".", import.meta.url));
// BENCH_PERGOLA_SERVER: another server script (e.g. a copy of lib/pergola-server.mjs that logs), for debugging.
const PERGOLA_SERVER = process.env.BENCH_PERGOLA_SERVER ?? join(here, "lib", "pergola-server.mjs");
const HEARTBEAT = "mutation($l: Int) { heartbeat(latencyMs: $l) { accepted reason intervalSeconds } }";
const CREATE_BATCH = 15; // the API allows at most 15 aliases per operation
const CREATE_PARALLEL = 4;
const CONNECT_BATCH = 100;
const API_POOL = 10; // createServer's default PostgreSQL pool (packages/db client, poolSize ?? 10)

const usage = `usage: node bench/run.mjs heartbeats [options]
  --agents 1000,5000   agent counts N (comma-separated); one fresh API process per N
  --window 10          seconds measured (after the warm-up)
  --warmup 3           seconds of heartbeats before the window
  --interval 1000      ms between one agent's heartbeats (0: closed loop, next one as soon as acked)
  --profile            CPU-profile the API during the window; writes bench/profiles/<run>/heartbeats-N<n>.cpuprofile
  --json               also print the results as one JSON line
database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: "string", default: "1000,5000" },
      window: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      interval: { type: "string", default: "1000" },
      json: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const counts = values.agents.split(",").map((s) => Number(s.trim()));
  const windowMs = Number(values.window) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const intervalMs = Number(values.interval);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000))
    throw new BenchError(`--agents: integers 1…20000, got "${values.agents}"`);
  if (!(windowMs > 0 && windowMs <= 120_000)) throw new BenchError(`--window: seconds in (0, 120], got "${values.window}"`);
  if (!(warmupMs >= 0 && warmupMs <= 60_000)) throw new BenchError(`--warmup: seconds in [0, 60], got "${values.warmup}"`);
  if (!(intervalMs >= 0 && intervalMs <= 60_000)) throw new BenchError(`--interval: ms in [0, 60000], got "${values.interval}"`);
  const maxN = Math.max(...counts);
  checkFileLimit(maxN);

  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const prefix = `bench-${runId}-`;
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;

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
  const every = intervalMs > 0 ? `every ${intervalMs} ms` : "closed loop (next as soon as acked)";
  console.log(
    `heartbeats: N = ${counts.join(", ")} agents, each heartbeating ${every}; ${warmupMs / 1000} s warm-up, ${windowMs / 1000} s window`,
  );
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
  );
  console.log(`database: ${redact(databaseUrl)}\n`);

  const results = [];
  try {
    let outposts = []; // { slug, token, id }, created once (max N) and reused by every N
    for (const n of counts) {
      const runState = createRun();
      const server = await startChild(runState, PERGOLA_SERVER, {
        name: "Pergola",
        env: { BENCH_DATABASE_URL: databaseUrl, BENCH_ADMIN_TOKEN: adminToken },
      });
      let agents = [];
      try {
        if (outposts.length < maxN) {
          const t = performance.now();
          outposts = await createOutposts(runState, server.info.graphqlUrl, adminToken, prefix, maxN);
          const rows = await sql`select id, slug from outposts where slug like ${`${prefix}%`}`;
          const ids = new Map(rows.map((r) => [r.slug, r.id]));
          for (const o of outposts) o.id = ids.get(o.slug);
          if (outposts.some((o) => !o.id)) throw new BenchError("some created Outposts are not in the database");
          console.log(`  created ${outposts.length} Outposts in ${fmt((performance.now() - t) / 1000, 1)} s (not measured)`);
        }
        const mine = outposts.slice(0, n);
        const profile = values.profile ? join(here, "profiles", runId, `heartbeats-N${n}.cpuprofile`) : undefined;
        const measured = await measureApi(runState, server, sql, server.info.wsUrl, mine, agents, {
          n,
          intervalMs,
          warmupMs,
          windowMs,
          profile,
        });
        if (profile) console.log(`  API CPU profile of the window: ${profile}\n${summarizeProfile(profile, { top: 15 })}`);
        await Promise.allSettled(agents.map((a) => a.close()));
        agents = [];
        await server.close();
        const floor1 = await measureFloor(databaseUrl, mine, windowMs, 1);
        const floorPool = await measureFloor(databaseUrl, mine, windowMs, API_POOL);
        const result = { n, intervalMs, windowMs, ...measured, floorSequential: floor1, floorPool };
        results.push(result);
        console.log(
          `  N=${n}: ${fmt(result.acksPerSecond, 0)} acks/s (offered ${fmt(result.offeredPerSecond, 0)}/s), p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms; ` +
            `floor ${fmt(floor1, 0)} UPDATEs/s sequential, ${fmt(floorPool, 0)}/s with ${API_POOL} in flight\n`,
        );
      } finally {
        await Promise.allSettled(agents.map((a) => a.close()));
        await server.close();
      }
    }
  } finally {
    // The Outposts (heartbeats and history cascade), their agent tokens and the admin token were made for this run only.
    try {
      await sql`delete from api_tokens where outpost like ${`${prefix}%`} or hash = ${hashToken(adminToken)}`;
      await sql`delete from outposts where slug like ${`${prefix}%`}`;
    } catch (error) {
      console.error(`warning: could not remove this run's Outposts and tokens: ${error.message}`);
    }
    await sql.end({ timeout: 5 });
  }

  for (const r of results) {
    console.log(
      `N = ${r.n} agents, heartbeat ${r.intervalMs > 0 ? `every ${r.intervalMs} ms` : "closed loop"}, ${r.windowMs / 1000} s window`,
    );
    console.log(`${table(r)}\n`);
  }
  if (values.json) console.log(JSON.stringify({ benchmark: "heartbeats", date: new Date().toISOString(), machine, results }));
  return 0;
}

function table(r) {
  const ratio = (x, y) => (y > 0 ? `${(x / y).toFixed(2)}×` : "n/a");
  return formatTable(
    ["", "value"],
    [
      ["offered heartbeats/s (N ÷ interval)", r.intervalMs > 0 ? fmt(r.offeredPerSecond, 0) : "closed loop"],
      ["ingested: acks/s over the window", fmt(r.acksPerSecond, 0)],
      ["ack latency p50 / p99 / max (ms)", `${fmt(r.p50, 2)} / ${fmt(r.p99, 2)} / ${fmt(r.max, 1)}`],
      ["refused or failed heartbeats", String(r.failures)],
      ["Outposts whose last_seen_at advanced", `${r.advanced} of ${r.n}`],
      ["API CPU (% of one core)", fmt(r.apiCpuPercent, 0)],
      ["API CPU per heartbeat (µs)", fmt(r.apiCpuPerHeartbeat, 1)],
      ["load generator CPU (% of one core)", fmt(r.loadCpuPercent, 0)],
      ["PostgreSQL CPU, all its processes (% of one core)", fmt(r.postgresCpuPercent, 0)],
      ["agents connected in (s, not in the window)", fmt(r.connectSeconds, 1)],
      ["then steady after (s; n/a: never within 60 s)", fmt(r.steadySeconds, 1)],
      ["floor: UPDATEs/s, sequential (1 conn)", fmt(r.floorSequential, 0)],
      [`floor: UPDATEs/s, ${API_POOL} in flight (${API_POOL} conns)`, fmt(r.floorPool, 0)],
      ["ingested/s ÷ floor (sequential)", ratio(r.acksPerSecond, r.floorSequential)],
      [`ingested/s ÷ floor (${API_POOL} in flight)`, ratio(r.acksPerSecond, r.floorPool)],
    ],
  );
}

/** Creates `count` Outposts over HTTP GraphQL as admin, CREATE_BATCH aliases per request, CREATE_PARALLEL requests at a time. */
async function createOutposts(run, graphqlUrl, adminToken, prefix, count) {
  const out = [];
  const batches = [];
  for (let start = 0; start < count; start += CREATE_BATCH) batches.push([start, Math.min(count, start + CREATE_BATCH)]);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const [start, end] = batches[next++];
      const fields = [];
      for (let i = start; i < end; i++) {
        const slug = `${prefix}${i}`;
        fields.push(
          `a${i}: createOutpost(input: { name: "${slug}", slug: "${slug}", heartbeatIntervalSeconds: 1, offlineAfterSeconds: 10 }) { agentToken outpost { slug } }`,
        );
      }
      const response = await run.wait(
        fetch(graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ query: `mutation { ${fields.join("\n")} }` }),
          signal: AbortSignal.timeout(60_000),
        }),
        65_000,
        `createOutpost batch ${start}–${end - 1}`,
      );
      const body = await response.json().catch(() => ({}));
      if (!response.ok || body.errors)
        throw new BenchError(`createOutpost answered ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
      for (let i = start; i < end; i++) out[i] = { slug: body.data[`a${i}`].outpost.slug, token: body.data[`a${i}`].agentToken };
    }
  };
  await Promise.all(Array.from({ length: CREATE_PARALLEL }, worker));
  return out;
}

/** Opens one graphql-ws socket per Outpost (its agent token), CONNECT_BATCH at a time; resolves when all are acknowledged. */
async function connectAgents(run, wsUrl, outposts, agents, onConnected) {
  for (let start = 0; start < outposts.length; start += CONNECT_BATCH) {
    const batch = outposts.slice(start, start + CONNECT_BATCH).map((o, k) => openAgent(run, wsUrl, o, start + k));
    agents.push(...batch);
    for (const agent of batch) void agent.connected.then(() => onConnected(agent));
    await run.wait(Promise.all(batch.map((a) => a.connected)), 60_000, `agents ${start}–${start + batch.length - 1} did not connect`);
  }
}

function openAgent(run, wsUrl, outpost, index) {
  let closing = false;
  let onConnected;
  const connected = new Promise((resolve) => (onConnected = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: outpost.token, agentVersion: "bench" },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 0,
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        if (!closing) run.fail(new BenchError(`agent ${index} (${outpost.slug}): socket closed (${event?.code} ${event?.reason ?? ""})`));
      },
      error: (error) => {
        if (!closing) run.fail(new BenchError(`agent ${index} (${outpost.slug}): ${error?.message ?? error}`));
      },
    },
  });
  return {
    index,
    outpost,
    connected,
    /** One heartbeat; resolves with { ok, reason }. */
    heartbeat(latencyMs) {
      return new Promise((resolve) => {
        let result;
        client.subscribe(
          { query: HEARTBEAT, variables: { l: latencyMs } },
          {
            next: (r) => (result = r),
            error: (error) =>
              resolve({
                ok: false,
                reason: Array.isArray(error) ? error.map((e) => e.message).join("; ") : String(error?.message ?? error?.reason ?? error),
              }),
            complete: () => {
              const hb = result?.data?.heartbeat;
              if (result?.errors || !hb) resolve({ ok: false, reason: JSON.stringify(result?.errors ?? result) });
              else resolve({ ok: hb.accepted === true, reason: hb.reason });
            },
          },
        );
      });
    },
    async close() {
      closing = true;
      await client.dispose();
    },
  };
}

/**
 * Every agent heartbeats (one outstanding at a time, random phase) through warm-up and window;
 * returns the window's figures. A heartbeat counts for the window when its ack arrives inside it.
 */
async function measureApi(run, server, sql, wsUrl, outposts, agents, { n, intervalMs, warmupMs, windowMs, profile }) {
  // connecting (every agent at max(interval, 1 s), so a closed loop does not starve the handshakes)
  // → warmup (from the steady state on, at --interval) → window → drain
  let phase = "connecting";
  let acks = 0;
  let failures = 0;
  const failureReasons = new Map();
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let stop = false;
  const loops = [];

  // Like a real agent, each one heartbeats from the moment its socket is acknowledged (a silent
  // connected agent would go OFFLINE after offlineAfterSeconds while the others connect).
  const t0 = performance.now();
  const startLoop = (agent) => {
    loops.push(
      (async () => {
        let latency = null;
        let due = performance.now() + Math.random() * intervalMs;
        while (!stop) {
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          if (stop) break;
          const t0 = performance.now();
          due = t0 + (phase === "connecting" ? Math.max(intervalMs, 1000) : intervalMs);
          const r = await agent.heartbeat(latency);
          const t1 = performance.now();
          latency = Math.round(t1 - t0);
          if (phase !== "window") continue;
          if (!r.ok) {
            failures++;
            failureReasons.set(r.reason, (failureReasons.get(r.reason) ?? 0) + 1);
            continue;
          }
          acks++;
          if (count === latencies.length) {
            const bigger = new Float64Array(latencies.length * 2);
            bigger.set(latencies);
            latencies = bigger;
          }
          latencies[count++] = t1 - t0;
        }
      })().catch((error) => run.fail(error)),
    );
  };
  await connectAgents(run, wsUrl, outposts, agents, startLoop);
  const connectSeconds = (performance.now() - t0) / 1000;
  console.log(`  N=${n}: ${n} agents connected in ${fmt(connectSeconds, 1)} s (not measured), each heartbeating from its connection on`);

  // Steady state before the clock starts: every Outpost ONLINE and its last_seen_at (database
  // clock) less than 3 s old, twice in a row; bounded (60 s), then measured anyway with a warning.
  const ids = agents.map((a) => a.outpost.id);
  let steady = { online: 0, fresh: 0 };
  let streak = 0;
  const s00 = performance.now();
  const steadyDeadline = s00 + 60_000;
  while (performance.now() < steadyDeadline) {
    [steady] = await sql`select count(*) filter (where o.status = 'ONLINE')::int as online,
        count(*) filter (where h.last_seen_at > now() - interval '3 seconds')::int as fresh
      from outposts o join outpost_heartbeats h on h.outpost_id = o.id where o.id = any(${ids}::uuid[])`;
    streak = steady.online === n && steady.fresh === n ? streak + 1 : 0;
    if (streak === 2) break;
    await run.wait(sleep(500), 5_000, "waiting for the steady state");
  }
  const steadyMs = performance.now() - s00;
  if (streak < 2)
    console.log(
      `  WARNING: no steady state after 60 s: ${steady.online} of ${n} ONLINE, ${steady.fresh} written in the last 3 s; measuring anyway`,
    );
  else
    console.log(`  N=${n}: steady (all ONLINE, all written in the last 3 s) ${fmt(steadyMs / 1000, 1)} s after the last agent connected`);
  phase = "warmup";
  await run.wait(sleep(warmupMs), warmupMs + 5_000, "warm-up");
  if (profile) {
    mkdirSync(dirname(profile), { recursive: true });
    await server.startProfile();
  }
  const pg0 = postgresTicks();
  const [{ t: dbStart }] = await sql`select now() as t`;
  const s0 = await server.stats();
  const l0 = process.cpuUsage();
  const w0 = performance.now();
  phase = "window";
  await run.wait(sleep(windowMs), windowMs + 5_000, "window");
  phase = "drain";
  const elapsed = performance.now() - w0;
  const s1 = await server.stats();
  const l1 = process.cpuUsage(l0);
  const pg1 = postgresTicks();
  if (profile) await server.stopProfile(profile);
  stop = true;
  await run.wait(Promise.all(loops), 60_000, "the agents' last heartbeats");
  // The API flushes every 250 ms.
  await sleep(1_500);
  const [{ advanced }] =
    await sql`select count(*)::int as advanced from outpost_heartbeats where outpost_id = any(${ids}::uuid[]) and last_seen_at >= ${dbStart}`;
  if (failureReasons.size) console.log(`  refused/failed heartbeats: ${[...failureReasons].map(([r, c]) => `${c}× ${r}`).join("; ")}`);
  if (advanced !== n) console.log(`  WARNING: only ${advanced} of ${n} Outposts' last_seen_at advanced during the window`);

  const sorted = sortNumbers(latencies.subarray(0, count));
  const apiCpu = s1.cpu.user + s1.cpu.system - s0.cpu.user - s0.cpu.system;
  return {
    offeredPerSecond: intervalMs > 0 ? (n * 1000) / intervalMs : NaN,
    acks,
    failures,
    acksPerSecond: acks / (elapsed / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    advanced,
    apiCpuPercent: (apiCpu / 1000 / elapsed) * 100,
    apiCpuPerHeartbeat: acks > 0 ? apiCpu / acks : NaN,
    loadCpuPercent: ((l1.user + l1.system) / 1000 / elapsed) * 100,
    postgresCpuPercent: pg0 === undefined || pg1 === undefined ? NaN : ((ticksBetween(pg0, pg1) * (1000 / CLOCK_TICKS)) / elapsed) * 100,
    connectSeconds,
    steadySeconds: streak === 2 ? steadyMs / 1000 : NaN,
  };
}

/**
 * The floor: one-row UPDATEs of the same Outposts' heartbeat rows, as fast as possible for the
 * window, `inFlight` at a time on as many connections (prepared statements, the `postgres` package).
 */
async function measureFloor(databaseUrl, outposts, windowMs, inFlight) {
  const db = postgres(databaseUrl, { max: inFlight, onnotice: () => {}, connect_timeout: 10 });
  try {
    const ids = outposts.map((o) => o.id);
    // Warm the connections and the prepared statement.
    await Promise.all(
      Array.from(
        { length: inFlight },
        (_, k) => db`update outpost_heartbeats set last_seen_at = now() where outpost_id = ${ids[k % ids.length]}`,
      ),
    );
    let done = 0;
    let next = 0;
    const t0 = performance.now();
    const end = t0 + windowMs;
    const worker = async () => {
      while (performance.now() < end) {
        const id = ids[next++ % ids.length];
        await db`update outpost_heartbeats set last_seen_at = now() where outpost_id = ${id}`;
        done++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return done / ((performance.now() - t0) / 1000);
  } finally {
    await db.end({ timeout: 5 });
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * CPU time (user+system, clock ticks) of each local process named postgres, by pid, from /proc;
 * undefined elsewhere. Compared by pid (ticksBetween): a backend that exits during the window
 * takes its ticks with it.
 */
function postgresTicks() {
  try {
    const ticks = new Map();
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(")");
      if (!stat.slice(stat.indexOf("(") + 1, close).startsWith("postgres")) continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime (fields 14 and 15 of stat)
    }
    return ticks;
  } catch {
    return undefined;
  }
}

/** Ticks spent between two postgresTicks() readings by the processes alive at the second (new ones count whole). */
function ticksBetween(before, after) {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks;
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/** Every socket is a file descriptor in the load generator and in the API. */
function checkFileLimit(maxAgents) {
  let limit = Infinity;
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    if (out !== "unlimited") limit = Number(out);
  } catch {
    return;
  }
  const needed = maxAgents + 256;
  if (limit < needed) {
    throw new BenchError(
      `${maxAgents} agents need about ${needed} open files per process, but the limit is ${limit}. ` +
        `Raise it in this shell first, e.g. \`ulimit -n ${Math.max(8192, needed)}\`, then run again.`,
    );
  }
}
