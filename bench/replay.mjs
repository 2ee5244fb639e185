/**
 * `node bench/run.mjs replay [--events 50000] [--rounds 3] [--profile] [--json]`
 *
 * A subscription replaying a long backlog (issue 16, item 1): `events(project, after: "0") { cursor kind }`
 * over graphql-ws against the real API on PostgreSQL, with `--events` events in the Project's log
 * (written straight into the table: BUILD_CREATED rows with a small Build snapshot). Measured:
 *   first event   from the subscribe message to the first event received
 *   all events    to the last one
 *   memory        the API process's peak RSS during the replay minus its RSS before (after a full GC),
 *                 sampled every 20 ms
 * against the floor in the same run (lib/replay-floor-server.mjs): a bare ws server sending each row
 * of the same keyset-paged SELECT as one JSON message. Rounds interleave the two; medians.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import pg from "pg";
import WebSocket from "ws";
import { hashToken } from "../apps/api/dist/auth/token.service.js";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, createRun, fmt, formatTable, startChild } from "./lib/util.mjs";

export const description =
  "a 50,000-event replay over graphql-ws: first-event latency and API memory growth ÷ a paged SELECT over a bare ws socket";

const here = fileURLToPath(new URL(".", import.meta.url));
const EVENTS = `subscription($p: String!, $after: String) { events(project: $p, after: $after) { cursor kind } }`;

const usage = `usage: node bench/run.mjs replay [options]
  --events 50000   events in the backlog
  --rounds 3       replays of each side (medians are printed)
  --profile        CPU-profile the API over one more replay; bench/profiles/<run>/replay.cpuprofile
  --json           also print the results as one JSON line
database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string", default: "50000" },
      rounds: { type: "string", default: "3" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const count = Number(values.events);
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(count) && count >= 1000 && count <= 1_000_000)) throw new BenchError("--events: 1000…1000000");
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new BenchError("--rounds: 1…20");
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = randomBytes(3).toString("hex");
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const project = `bench-${runId}-replay`;
  const run = createRun();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let api;
  let floor;
  try {
    api = await startChild(run, join(here, "lib", "pergola-server.mjs"), {
      name: "pergola",
      env: { BENCH_DATABASE_URL: databaseUrl, BENCH_ADMIN_TOKEN: adminToken },
    });
    floor = await startChild(run, join(here, "lib", "replay-floor-server.mjs"), {
      name: "floor",
      env: { BENCH_DATABASE_URL: databaseUrl },
    });
    const res = await fetch(api.info.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        query: `mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`,
        variables: { i: { name: project, slug: project } },
      }),
    });
    const created = await res.json();
    if (created.errors) throw new BenchError(`createProject: ${JSON.stringify(created.errors)}`);
    const projectId = created.data.createProject.id;
    await db.query(
      `insert into events (project_id, seq, kind, payload, actor)
       select $1, g, 'BUILD_CREATED', jsonb_build_object('build', jsonb_build_object('id', gen_random_uuid(), 'name', 'main_b' || g, 'branch', 'main', 'artifact', md5(g::text) || md5((g + 1)::text))), 'bench'
       from generate_series(2, $2::bigint + 1) g`,
      [projectId, count],
    );
    await db.query("update projects set seq = $2 where id = $1", [projectId, count + 1]);
    const total = count + 1;
    console.log(`replay: ${total} events, ${rounds} rounds, run ${runId}`);

    const sides = {
      api: () => replayApi(run, api, adminToken, project, total),
      floor: () => replayFloor(run, floor, projectId, total),
    };
    await sides.api();
    await sides.floor();
    const results = { api: [], floor: [] };
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? ["api", "floor"] : ["floor", "api"]) results[side].push(await sides[side]());
    }
    const median = (list, key) => [...list.map((x) => x[key])].sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const summary = Object.fromEntries(
      Object.entries(results).map(([side, list]) => [
        side,
        { firstMs: median(list, "firstMs"), allMs: median(list, "allMs"), growthMb: median(list, "growthMb") },
      ]),
    );
    const ratio = (key) => summary.api[key] / summary.floor[key];
    console.log(
      `\n${formatTable(
        ["", "API", "floor", "ratio"],
        [
          ["first event", `${fmt(summary.api.firstMs, 1)} ms`, `${fmt(summary.floor.firstMs, 1)} ms`, `${fmt(ratio("firstMs"), 1)}×`],
          ["all events", `${fmt(summary.api.allMs, 0)} ms`, `${fmt(summary.floor.allMs, 0)} ms`, `${fmt(ratio("allMs"), 1)}×`],
          ["memory growth", `${fmt(summary.api.growthMb, 1)} MB`, `${fmt(summary.floor.growthMb, 1)} MB`, `${fmt(ratio("growthMb"), 1)}×`],
        ],
      )}`,
    );
    if (values.profile) {
      const dir = join(here, "profiles", runId);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, "replay.cpuprofile");
      await api.startProfile();
      await replayApi(run, api, adminToken, project, total);
      await api.stopProfile(path);
      console.log(`\nprofile of the API, one replay (${path}):\n${summarizeProfile(path, { top: 12 })}`);
    }
    if (values.json) console.log(JSON.stringify({ benchmark: "replay", events: total, rounds, ...summary }));
    return 0;
  } finally {
    await api?.close();
    await floor?.close();
    await db.query("delete from projects where slug = $1", [project]).catch(() => undefined);
    await db.query("delete from api_tokens where hash = $1", [hashToken(adminToken)]).catch(() => undefined);
    await db.end();
  }
}

/** Samples the server's RSS every 20 ms while `work` runs: `growthMb` is the peak minus the RSS before (after a full GC). */
async function measureMemory(server, work) {
  const before = (await server.stats({ gc: true })).memory.rss;
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await server.stats()).memory.rss);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let result;
  try {
    result = await work();
  } finally {
    sampling = false;
    await sampler;
  }
  return { ...result, growthMb: (peak - before) / 1e6 };
}

function replayApi(run, api, token, project, total) {
  return measureMemory(api, async () => {
    const client = createClient({
      url: api.info.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: token },
      retryAttempts: 0,
    });
    try {
      let received = 0;
      let first;
      let done;
      const finished = new Promise((resolve, reject) => {
        done = { resolve, reject };
      });
      const started = performance.now();
      client.subscribe(
        { query: EVENTS, variables: { p: project, after: "0" } },
        {
          next(value) {
            if (value.errors) return done.reject(new BenchError(JSON.stringify(value.errors)));
            if (received++ === 0) first = performance.now() - started;
            if (received === total) done.resolve();
          },
          error: (error) => done.reject(new BenchError(`subscription: ${JSON.stringify(error)}`)),
          complete() {},
        },
      );
      await run.wait(finished, 300_000, () => `the API replayed ${received} of ${total} events`);
      return { firstMs: first, allMs: performance.now() - started };
    } finally {
      await client.dispose();
    }
  });
}

function replayFloor(run, floor, projectId, total) {
  return measureMemory(floor, async () => {
    const started = performance.now();
    const ws = new WebSocket(`${floor.info.wsUrl}/?project=${projectId}&after=0`);
    let received = 0;
    let first;
    const finished = new Promise((resolve, reject) => {
      ws.on("message", (data) => {
        if (data.toString() === '"done"') return resolve();
        if (received++ === 0) first = performance.now() - started;
      });
      ws.on("close", (code) => reject(new BenchError(`floor closed ${code}`)));
      ws.on("error", reject);
    });
    try {
      await run.wait(finished, 300_000, () => `the floor sent ${received} of ${total} events`);
      if (received !== total) throw new BenchError(`the floor sent ${received} of ${total} events`);
      return { firstMs: first, allMs: performance.now() - started };
    } finally {
      ws.terminate();
    }
  });
}
