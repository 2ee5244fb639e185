/**
 * `node bench/run.mjs wakeups [--agents 50] [--json]`
 *
 * Agents woken per commit (issue 16, item 2): N agents, each of its own Outpost with one Stage,
 * follow `desiredState` over graphql-ws against the built API (in this process, on PostgreSQL, so
 * its commits also come back through NOTIFY). One commit (suspendStage) on the first Outpost's
 * Stage; once that agent has its new desired state and the NOTIFY has been answered, the figure
 * is how many desired-state reads (`DesiredStateService.listDesired`, counted on the server's
 * service) that one commit caused, against the 1 it needs (the agent concerned; on PostgreSQL
 * the commit's own NOTIFY may wake it once more).
 */
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { BENCH_DATABASE_HELP, startInProcessApi } from "./lib/in-process-api.mjs";
import { BenchError, createRun, formatTable, sleep } from "./lib/util.mjs";

export const description = "agents woken per commit: desired-state reads one commit causes with N agents on N Outposts ÷ the 1 it needs";

const DESIRED = "subscription { desiredState { full stages { stageId suspended } removed } }";

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: "string", default: "50" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`usage: node bench/run.mjs wakeups [--agents 50] [--json]\n${BENCH_DATABASE_HELP}`);
    return 0;
  }
  const n = Number(values.agents);
  if (!(Number.isInteger(n) && n >= 2 && n <= 500)) throw new BenchError("--agents: 2…500");
  const run = createRun();
  const { server, db, gql, runId, close } = await startInProcessApi();
  const project = `bench-${runId}-wakeups`;
  const clients = [];
  const outposts = [];
  try {
    await gql("mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }", { i: { name: project, slug: project } });
    const batches = [];
    for (let i = 0; i < n; i++) {
      const slug = `bench-${runId}-o${i}`;
      outposts.push(slug);
      const { createOutpost } = await gql("mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }", {
        i: { name: slug, slug },
      });
      await gql("mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }", {
        i: { project, name: `s${i}`, type: "DEV", outpostUri: `outpost://${slug}` },
      });
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authToken: createOutpost.agentToken },
        retryAttempts: 0,
      });
      clients.push(client);
      const received = [];
      batches.push(received);
      client.subscribe(
        { query: DESIRED },
        { next: (v) => received.push(v), error: (e) => run.fail(new BenchError(JSON.stringify(e))), complete() {} },
      );
    }
    await run.wait(
      waitFor(() => batches.every((b) => b.length >= 1)),
      30_000,
      "not every agent got its full desired state",
    );
    const { desiredState } = server.services;
    const listDesired = desiredState.listDesired.bind(desiredState);
    let reads = 0;
    desiredState.listDesired = (...args) => {
      reads++;
      return listDesired(...args);
    };
    await gql(`mutation($p: String!) { suspendStage(project: $p, stage: "s0") { state } }`, { p: project });
    await run.wait(
      waitFor(() => batches[0].length >= 2),
      30_000,
      "the agent concerned was not told",
    );
    // The commit's NOTIFY comes back to this process too; give it time to be answered.
    await sleep(500);
    const woken = reads;
    console.log(`wakeups: ${n} agents on ${n} Outposts, one commit, run ${runId}\n`);
    console.log(
      formatTable(["", "reads", "÷ needed"], [["desired-state reads for one commit", String(woken), `${(woken / 1).toFixed(1)}×`]]),
    );
    if (values.json) console.log(JSON.stringify({ benchmark: "wakeups", agents: n, reads: woken }));
    return 0;
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await db.query("delete from stages where project_id in (select id from projects where slug = $1)", [project]).catch(() => undefined);
    await db.query("delete from projects where slug = $1", [project]).catch(() => undefined);
    for (const slug of outposts) await db.query("delete from outposts where slug = $1", [slug]).catch(() => undefined);
    await close();
  }
}

async function waitFor(condition) {
  while (!condition()) await sleep(10);
}
