/**
 * `node bench/run.mjs health [--projects 50] [--stages 20] [--changes 200] [--json]`
 *
 * The fleet-wide health feed (issue 13, item 3): P Projects × S Stages (1,000 by default) on
 * PostgreSQL, one admin subscriber to `healthChanged`, against the built API in this process.
 *  - SNAPSHOT: time from subscribing to the first message, and its size — against the floor of
 *    reading the same rows (one SELECT of every Stage with its Project and Outpost, by node-postgres)
 *    and serializing them to JSON, in the same run.
 *  - Changes: C suspends, each of another Stage, across the Projects, one at a time; each
 *    change's latency from sending the mutation to its event on the feed, against the same
 *    change seen by a `stageChanged` subscriber of its Project (the per-Project path a monitoring
 *    tool used before), measured on the same mutations.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { BENCH_DATABASE_HELP, startInProcessApi } from "./lib/in-process-api.mjs";
import { BenchError, createRun, fmt, formatTable, percentile, sortNumbers } from "./lib/util.mjs";

export const description =
  "healthChanged with 1,000 Stages in 50 Projects: SNAPSHOT time/size ÷ a SELECT+JSON floor, change latency ÷ stageChanged";

const FEED = `subscription { healthChanged { kind at stages { project stage type state health healthSince outpost link } component { name health } } }`;
const STAGE_CHANGED = `subscription($p: String!) { stageChanged(project: $p) { kind stage { slug state } } }`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      projects: { type: "string", default: "50" },
      stages: { type: "string", default: "20" },
      changes: { type: "string", default: "200" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`usage: node bench/run.mjs health [--projects 50] [--stages 20] [--changes 200] [--json]\n${BENCH_DATABASE_HELP}`);
    return 0;
  }
  const projectCount = Number(values.projects);
  const stagesPer = Number(values.stages);
  const changes = Number(values.changes);
  if (!(projectCount >= 1 && stagesPer >= 1 && changes >= 2 && changes <= projectCount * stagesPer)) {
    throw new BenchError("--projects, --stages ≥ 1; 2 ≤ --changes ≤ projects × stages (each change suspends another Stage)");
  }
  const run = createRun();
  const { server, db, gql, runId, adminToken, close } = await startInProcessApi();
  const projects = [];
  const clients = [];
  try {
    const started = performance.now();
    for (let p = 0; p < projectCount; p++) {
      const slug = `bench-${runId}-h${p}`;
      projects.push(slug);
      await gql("mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }", { i: { name: slug, slug } });
      await Promise.all(
        Array.from({ length: stagesPer }, (_, s) =>
          gql("mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }", {
            i: { project: slug, name: `s${s}`, slug: `s${s}`, type: ["DEV", "QA", "PROD"][s % 3] },
          }),
        ),
      );
    }
    const total = projectCount * stagesPer;
    console.error(`created ${projectCount} Projects × ${stagesPer} Stages in ${fmt((performance.now() - started) / 1000)} s`);

    const connect = () => {
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authToken: adminToken },
        retryAttempts: 0,
      });
      clients.push(client);
      return client;
    };
    // Every event of one subscription, each with the time it arrived.
    const follow = (client, query, variables, onEvent) =>
      client.subscribe(
        { query, variables },
        {
          next: (result) =>
            result.errors ? run.fail(new BenchError(JSON.stringify(result.errors))) : onEvent(result.data, performance.now()),
          error: (error) => run.fail(error instanceof Error ? error : new BenchError(JSON.stringify(error))),
          complete: () => {},
        },
      );

    // The SNAPSHOT, three times (the first warms the statement and the schema's paths); the best and the median.
    const snapshots = [];
    for (let i = 0; i < 3; i++) {
      const client = connect();
      let bytes = 0;
      const t0 = performance.now();
      const first = new Promise((resolve) => {
        const stop = follow(client, FEED, {}, (data, at) => {
          bytes = Buffer.byteLength(JSON.stringify(data));
          stop();
          resolve({ data, at });
        });
      });
      const { data, at } = await run.wait(first, 30_000, "no SNAPSHOT");
      const ours = data.healthChanged.stages.filter((s) => s.project.startsWith(`bench-${runId}-`)).length;
      if (ours !== total) throw new BenchError(`the SNAPSHOT held ${ours} of this run's ${total} Stages`);
      snapshots.push({ ms: at - t0, bytes, stages: data.healthChanged.stages.length });
      await client.dispose();
    }
    // The floor: the same rows read by one SELECT and serialized.
    const floors = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const { rows } = await db.query(
        `select p.slug as project, s.slug as stage, s.type, s.state, s.health, s.health_since, o.slug as outpost, o.status as link
         from projects p left join stages s on s.project_id = p.id left join outposts o on o.id = s.outpost_id order by p.created_at, s.created_at`,
      );
      JSON.stringify(rows);
      floors.push(performance.now() - t0);
    }

    // Changes: the feed and a stageChanged subscriber of each Project see the same mutations.
    const feedClient = connect();
    const feedSeen = new Map();
    let snapshotSeen;
    const ready = new Promise((resolve) => (snapshotSeen = resolve));
    follow(feedClient, FEED, {}, (data, at) => {
      const e = data.healthChanged;
      if (e.kind === "SNAPSHOT") return snapshotSeen();
      if (e.kind === "STAGE_STATE_CHANGED") feedSeen.set(`${e.stages[0].project}/${e.stages[0].stage}/${e.stages[0].state}`, at);
    });
    const perProject = connect();
    const projectSeen = new Map();
    for (const project of projects) {
      follow(perProject, STAGE_CHANGED, { p: project }, (data, at) => {
        const e = data.stageChanged;
        if (e.kind === "STAGE_STATE_CHANGED") projectSeen.set(`${project}/${e.stage.slug}/${e.stage.state}`, at);
      });
    }
    await run.wait(ready, 30_000, "no SNAPSHOT on the change feed");
    const until = async (map, key) => {
      const deadline = performance.now() + 10_000;
      while (!map.has(key)) {
        if (performance.now() > deadline) throw new BenchError(`no event for ${key}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return map.get(key);
    };
    const feedLatency = [];
    const projectLatency = [];
    for (let i = 0; i < changes; i++) {
      const project = projects[i % projects.length];
      const stage = `s${Math.floor(i / projects.length)}`;
      const t0 = performance.now();
      const { suspendStage: changed } = await gql(`mutation($p: String!, $s: String!) { suspendStage(project: $p, slug: $s) { state } }`, {
        p: project,
        s: stage,
      });
      const key = `${project}/${stage}/${changed.state}`;
      feedLatency.push((await until(feedSeen, key)) - t0);
      projectLatency.push((await until(projectSeen, key)) - t0);
    }

    const best = Math.min(...snapshots.map((s) => s.ms));
    const median = sortNumbers(snapshots.map((s) => s.ms))[1];
    const floor = Math.min(...floors);
    const feed = sortNumbers(feedLatency);
    const base = sortNumbers(projectLatency);
    const rows = [
      ["SNAPSHOT time (best / median of 3)", `${fmt(best)} / ${fmt(median)} ms`, `${fmt(floor)} ms`, `${fmt(best / floor)}×`],
      [
        "SNAPSHOT size",
        `${fmt(snapshots[0].bytes / 1024)} KB (${snapshots[0].stages} Stages)`,
        "",
        `${fmt(snapshots[0].bytes / snapshots[0].stages, 0)} B/Stage`,
      ],
      [
        "change p50",
        `${fmt(percentile(feed, 0.5), 2)} ms`,
        `${fmt(percentile(base, 0.5), 2)} ms`,
        `${fmt(percentile(feed, 0.5) / percentile(base, 0.5), 2)}×`,
      ],
      [
        "change p99",
        `${fmt(percentile(feed, 0.99), 2)} ms`,
        `${fmt(percentile(base, 0.99), 2)} ms`,
        `${fmt(percentile(feed, 0.99) / percentile(base, 0.99), 2)}×`,
      ],
      ["change max", `${fmt(feed[feed.length - 1], 2)} ms`, `${fmt(base[base.length - 1], 2)} ms`, ""],
    ];
    console.log(
      `\nhealthChanged — ${projectCount} Projects × ${stagesPer} Stages (+ what else the database holds), ${changes} changes, PostgreSQL\n`,
    );
    console.log(formatTable(["figure", "healthChanged", "baseline (SELECT+JSON / stageChanged)", "ratio"], rows));
    if (values.json) {
      console.log(
        JSON.stringify({
          snapshotMs: best,
          snapshotFloorMs: floor,
          snapshotBytes: snapshots[0].bytes,
          snapshotStages: snapshots[0].stages,
          changeP50Ms: percentile(feed, 0.5),
          changeP99Ms: percentile(feed, 0.99),
          stageChangedP50Ms: percentile(base, 0.5),
          stageChangedP99Ms: percentile(base, 0.99),
        }),
      );
    }
    return 0;
  } finally {
    for (const client of clients) await client.dispose();
    for (const slug of projects) {
      await db.query("delete from projects where slug = $1", [slug]).catch(() => undefined);
    }
    await close();
  }
}
