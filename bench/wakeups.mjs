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
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import { pino } from "pino";
import pg from "pg";
import WebSocket from "ws";
import { hashToken } from "../apps/api/dist/auth/token.service.js";
import { createServer } from "../apps/api/dist/server.js";
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
    console.log(
      "usage: node bench/run.mjs wakeups [--agents 50] [--json]\ndatabase: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test",
    );
    return 0;
  }
  const n = Number(values.agents);
  if (!(Number.isInteger(n) && n >= 2 && n <= 500)) throw new BenchError("--agents: 2…500");
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = randomBytes(3).toString("hex");
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const project = `bench-${runId}-wakeups`;
  const run = createRun();
  const server = await createServer({
    port: 0,
    host: "127.0.0.1",
    database: { url: databaseUrl },
    adminToken,
    logger: pino({ level: "silent" }),
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const clients = [];
  const outposts = [];
  try {
    const gql = async (query, variables) => {
      const res = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query, variables }),
      });
      const json = await res.json();
      if (json.errors) throw new BenchError(JSON.stringify(json.errors).slice(0, 300));
      return json.data;
    };
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
    await server.close();
    await db.query("delete from stages where project_id in (select id from projects where slug = $1)", [project]).catch(() => undefined);
    await db.query("delete from projects where slug = $1", [project]).catch(() => undefined);
    for (const slug of outposts) await db.query("delete from outposts where slug = $1", [slug]).catch(() => undefined);
    await db.query("delete from api_tokens where hash = $1", [hashToken(adminToken)]).catch(() => undefined);
    await db.end();
  }
}

async function waitFor(condition) {
  while (!condition()) await sleep(10);
}
