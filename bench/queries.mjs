/**
 * `node bench/run.mjs queries [--stages 20,500] [--requests 2000] [--concurrency 10] [--rounds 3] [--profile] [--json]`
 *
 * What a request costs the API, against its floor in the same run (issue 16's table):
 *   me           `{ me { __typename } }`                                   ÷ raw HTTP (a constant JSON answer)
 *   stages@N     `{ stages(project) { slug name type state health currentRelease { number } } }` over
 *                N Stages, each with a PENDING Release    ÷ HTTP + one SELECT + JSON.stringify
 *   updateStage  `updateStage(input: { project, stage, name })`            ÷ HTTP + one UPDATE … NOTIFY
 * Both servers run in processes of their own (the API built, on PostgreSQL; lib/floor-server.mjs)
 * and are measured by their own CPU (process.cpuUsage) over the same requests, `--concurrency` at
 * a time. Rounds interleave the two (API first in odd rounds, the floor first in even ones), so
 * a change of load on the machine touches both; the figures are the medians of the rounds.
 * `--profile` CPU-profiles the API over one more round of each case and prints the summary.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { create as createTar } from "tar";
import { hashToken } from "../apps/api/dist/auth/token.service.js";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, createRun, fmt, formatTable, percentile, sortNumbers, startChild } from "./lib/util.mjs";

export const description = "a list of Stages (20 and 500), me and updateStage: API CPU per request ÷ plain HTTP(+SQL+JSON) floors";

const here = fileURLToPath(new URL(".", import.meta.url));
const STAGES_QUERY = "query($p: String!) { stages(project: $p) { slug name type state health currentRelease { number } } }";
const UPDATE_STAGE = "mutation($i: UpdateStageInput!) { updateStage(input: $i) { name } }";
const ALIASES = 15; // the API allows at most 15 aliases per operation
const WRITERS = 50; // the writes case: clients on distinct Stages of one Project

const usage = `usage: node bench/run.mjs queries [options]
  --stages 20,500     Stage counts of the list cases
  --cases me,stages,updateStage   which cases to run; also: writes (50 clients updating 50 Stages of one Project; req/s is its figure)
  --requests 2000     requests per case and round (a tenth of it warms up first)
  --concurrency 10    requests in flight
  --rounds 3          rounds per case (medians are printed)
  --profile           CPU-profile the API over one more round of each case; bench/profiles/<run>/queries-<case>.cpuprofile
  --json              also print the results as one JSON line
database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`;

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      stages: { type: "string", default: "20,500" },
      cases: { type: "string", default: "me,stages,updateStage" },
      requests: { type: "string", default: "2000" },
      concurrency: { type: "string", default: "10" },
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
  const stageCounts = values.stages.split(",").map((s) => Number(s.trim()));
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  if (stageCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 5000))
    throw new BenchError(`--stages: integers 1…5000, got "${values.stages}"`);
  if (!(Number.isInteger(requests) && requests >= 10)) throw new BenchError(`--requests: an integer ≥ 10, got "${values.requests}"`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 200)) throw new BenchError(`--concurrency: 1…200`);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new BenchError(`--rounds: 1…20`);

  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = randomBytes(3).toString("hex");
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const run = createRun();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const projects = [];
  let api;
  let floor;
  try {
    api = await startChild(run, join(here, "lib", "pergola-server.mjs"), {
      name: "pergola",
      env: { BENCH_DATABASE_URL: databaseUrl, BENCH_ADMIN_TOKEN: adminToken },
    });
    floor = await startChild(run, join(here, "lib", "floor-server.mjs"), { name: "floor", env: { BENCH_DATABASE_URL: databaseUrl } });
    const gql = graphqlClient(api.info.graphqlUrl, adminToken);

    console.log(`queries: ${requests} requests × ${rounds} rounds per case, ${concurrency} in flight, run ${runId}`);
    const cases = [{ name: "me", api: () => gql.body("{ me { __typename } }"), floor: () => ({ path: "/raw", body: "{}" }) }];
    let writable;
    for (const n of stageCounts) {
      const project = `bench-${runId}-${n}`;
      projects.push(project);
      const ids = await createWorld(gql, db, project, n);
      writable ??= { project, slugs: ids.map((s) => s.slug), ids: ids.map((s) => s.id) };
      cases.push({
        name: `stages@${n}`,
        api: () => gql.body(STAGES_QUERY, { p: project }),
        floor: () => ({ path: "/stages", body: JSON.stringify({ project }) }),
        check: (json) => json.data?.stages?.length === n,
      });
    }
    let written = 0;
    cases.push({
      name: "updateStage",
      api: () => {
        const i = written++ % writable.slugs.length;
        return gql.body(UPDATE_STAGE, { i: { project: writable.project, stage: writable.slugs[i], name: `s${i} ${written}` } });
      },
      floor: () => {
        const i = written++ % writable.ids.length;
        return { path: "/update", body: JSON.stringify({ id: writable.ids[i], name: `s${i} ${written}` }) };
      },
    });

    const wanted = new Set(values.cases.split(",").map((c) => c.trim()));
    if (wanted.has("writes")) {
      // 50 clients, each writing to a Stage of its own, all in one Project.
      const project = `bench-${runId}-writes`;
      projects.push(project);
      const ids = await createWorld(gql, db, project, WRITERS);
      let k = 0;
      cases.push({
        name: "writes",
        concurrency: WRITERS,
        api: () => {
          const i = k++ % WRITERS;
          return gql.body(UPDATE_STAGE, { i: { project, stage: ids[i].slug, name: `w${i} ${k}` } });
        },
        floor: () => {
          const i = k++ % WRITERS;
          return { path: "/update", body: JSON.stringify({ id: ids[i].id, name: `w${i} ${k}` }) };
        },
      });
    }
    const results = [];
    for (const c of cases.filter((c) => wanted.has(c.name.replace(/@.*/, "")))) {
      // Both warm up (JIT, caches, pools), then the rounds interleave them.
      const inFlight = c.concurrency ?? concurrency;
      await measure(run, api, gql.url, c.api, Math.ceil(requests / 10), inFlight, c.check);
      await measure(run, floor, floor.info.url, c.floor, Math.ceil(requests / 10), inFlight, c.check);
      const apiRounds = [];
      const floorRounds = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? ["api", "floor"] : ["floor", "api"];
        for (const side of order) {
          if (side === "api") apiRounds.push(await measure(run, api, gql.url, c.api, requests, inFlight, c.check));
          else floorRounds.push(await measure(run, floor, floor.info.url, c.floor, requests, inFlight, c.check));
        }
      }
      const a = medians(apiRounds);
      const f = medians(floorRounds);
      results.push({ case: c.name, api: a, floor: f, ratio: a.cpuUs / f.cpuUs });
      if (values.profile) {
        const dir = join(here, "profiles", runId);
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `queries-${c.name.replace("@", "-")}.cpuprofile`);
        await api.startProfile();
        await measure(run, api, gql.url, c.api, requests, inFlight, c.check);
        await api.stopProfile(path);
        console.log(`\nprofile of the API, ${c.name} (${path}):\n${summarizeProfile(path, { top: 12 })}`);
      }
    }

    console.log(
      `\n${formatTable(
        ["case", "API CPU/req", "floor CPU/req", "ratio", "API req/s", "floor req/s", "API p50", "floor p50", "API p99"],
        results.map((r) => [
          r.case,
          `${fmt(r.api.cpuUs, 0)} µs`,
          `${fmt(r.floor.cpuUs, 0)} µs`,
          `${fmt(r.ratio, 1)}×`,
          fmt(r.api.perSecond, 0),
          fmt(r.floor.perSecond, 0),
          `${fmt(r.api.p50Ms, 2)} ms`,
          `${fmt(r.floor.p50Ms, 2)} ms`,
          `${fmt(r.api.p99Ms, 2)} ms`,
        ]),
      )}`,
    );
    if (values.json) console.log(JSON.stringify({ benchmark: "queries", runId, requests, rounds, concurrency, results }));
    return 0;
  } finally {
    await api?.close();
    await floor?.close();
    for (const project of projects) await db.query("delete from projects where slug = $1", [project]).catch(() => undefined);
    await db.query("delete from builds where project_id not in (select id from projects)").catch(() => undefined);
    await db.query("delete from api_tokens where hash = $1", [hashToken(adminToken)]).catch(() => undefined);
    await db.end();
  }
}

function graphqlClient(url, token) {
  const post = async (query, variables = {}) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = await res.json();
    if (json.errors) throw new BenchError(`GraphQL: ${JSON.stringify(json.errors).slice(0, 500)}`);
    return json.data;
  };
  return {
    url,
    token,
    post,
    body: (query, variables = {}) => ({ path: "", body: JSON.stringify({ query, variables }), token }),
  };
}

/** The Project with `n` Stages, each with a PENDING Release of one Build (no agent runs them). Returns the Stages' ids and slugs. */
async function createWorld(gql, db, project, n) {
  await gql.post(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: project, slug: project } });
  for (let first = 0; first < n; first += ALIASES) {
    const batch = Array.from({ length: Math.min(ALIASES, n - first) }, (_, k) => first + k);
    const fields = batch
      .map((i) => `s${i}: createStage(input: { project: "${project}", name: "s${i}", slug: "s${i}", type: DEV }) { slug }`)
      .join(" ");
    await gql.post(`mutation { ${fields} }`);
  }
  const artifact = await uploadArtifact(gql.url.replace(/\/graphql$/, ""), project, gql.token);
  const manifest = { version: "v1", components: [{ name: "web", command: ["node", "server.js"], ports: [8080] }] };
  await gql.post(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
    i: { project, branch: "bench", artifact, manifest },
  });
  for (let first = 0; first < n; first += ALIASES) {
    const batch = Array.from({ length: Math.min(ALIASES, n - first) }, (_, k) => first + k);
    const fields = batch
      .map((i) => `r${i}: deployRelease(input: { project: "${project}", stage: "s${i}", build: "bench_b1" }) { number }`)
      .join(" ");
    await gql.post(`mutation { ${fields} }`);
  }
  const { rows } = await db.query(
    "select s.id, s.slug from stages s join projects p on p.id = s.project_id where p.slug = $1 order by s.created_at",
    [project],
  );
  return rows;
}

async function uploadArtifact(base, project, token) {
  const dir = mkdtempSync(join(tmpdir(), "pergola-bench-"));
  try {
    mkdirSync(join(dir, "app"));
    writeFileSync(join(dir, "app", "server.js"), "require('http').createServer((q, s) => s.end('ok')).listen(8080);\n");
    const file = join(dir, "app.tar.gz");
    await createTar({ gzip: true, file, cwd: join(dir, "app"), portable: true }, ["."]);
    const res = await fetch(`${base}/artifacts?project=${encodeURIComponent(project)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: readFileSync(file),
    });
    if (!res.ok) throw new BenchError(`POST /artifacts: ${res.status} ${await res.text()}`);
    return (await res.json()).sha256;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `count` requests made by `next()`, `concurrency` at a time, against `server`: its CPU per request, requests/s, latency. */
async function measure(run, server, base, next, count, concurrency, check) {
  const before = (await server.stats({ gc: true })).cpu;
  const latencies = [];
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < count) {
      issued++;
      const { path, body, token } = next();
      const t = performance.now();
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
        body,
      });
      const text = await res.text();
      latencies.push(performance.now() - t);
      if (res.status !== 200) throw new BenchError(`${base}${path}: ${res.status} ${text.slice(0, 300)}`);
      if (check && !check(JSON.parse(text))) throw new BenchError(`${base}${path}: unexpected answer ${text.slice(0, 300)}`);
    }
  };
  await run.wait(Promise.all(Array.from({ length: concurrency }, worker)), 600_000, "requests did not finish");
  const seconds = (performance.now() - started) / 1000;
  const after = (await server.stats()).cpu;
  const cpuUs = (after.user - before.user + after.system - before.system) / count;
  const sorted = sortNumbers(latencies);
  return { cpuUs, perSecond: count / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

function medians(list) {
  const median = (key) => sortNumbers(list.map((r) => r[key]))[Math.floor((list.length - 1) / 2)];
  return { cpuUs: median("cpuUs"), perSecond: median("perSecond"), p50Ms: median("p50Ms"), p99Ms: median("p99Ms") };
}
