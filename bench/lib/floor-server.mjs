/**
 * The floors of `bench queries`: what the same answers cost without GraphQL, in a plain Node
 * HTTP server on PostgreSQL (node-postgres, a pool of 10, as the API's). Each route reads its
 * JSON body and answers JSON:
 *   POST /raw     → a constant answer ({ me { __typename } }'s): HTTP alone
 *   POST /stages  → { project } → one SELECT of the Project's Stages with each one's health (from
 *                   its current Release's services) and current Release number, JSON.stringify
 *   POST /update  → { id, name } → one statement: UPDATE the Stage's name and NOTIFY it
 * Prints `{ url, wsUrl }` on stdout and reports CPU and memory over IPC (child-side.mjs).
 *
 * Environment: BENCH_DATABASE_URL.
 */
import { createServer } from "node:http";
import pg from "pg";
import { serveChild } from "./child-side.mjs";

const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("floor-server: set BENCH_DATABASE_URL");
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 10 });

// The Stage's health as Pergola derives it: every service HEALTHY → HEALTHY, none → UNHEALTHY,
// some → DEGRADED, UNKNOWN while one has no verdict (or none runs).
const STAGES = `
  select s.slug, s.name, s.type, s.state,
         coalesce(h.health, 'UNKNOWN') as health,
         r.number as release_number
    from stages s
    join projects p on p.id = s.project_id
    left join lateral (
      select number from releases
       where stage_id = s.id and state in ('PENDING', 'DEPLOYING', 'DEPLOYED')
       order by number desc limit 1) r on true
    left join lateral (
      select case
               when count(*) = 0 or bool_or(c.health = 'UNKNOWN') then 'UNKNOWN'
               when bool_and(c.health = 'HEALTHY') then 'HEALTHY'
               when bool_or(c.health = 'HEALTHY') then 'DEGRADED'
               else 'UNHEALTHY' end as health
        from components c join releases cr on cr.id = c.release_id
       where c.stage_id = s.id and c.kind = 'SERVICE' and cr.state in ('PENDING', 'DEPLOYING', 'DEPLOYED')) h on true
   where p.slug = $1
   order by s.created_at`;
const UPDATE = `
  with u as (update stages set name = $2, updated_at = now() where id = $1 returning id)
  select pg_notify('bench_floor', (select id::text from u))`;

const RAW = JSON.stringify({ data: { me: { __typename: "User" } } });

const routes = {
  "/raw": async () => RAW,
  "/stages": async ({ project }) => {
    const { rows } = await pool.query({ name: "bench-floor-stages", text: STAGES, values: [project] });
    return JSON.stringify({
      data: {
        stages: rows.map((r) => ({
          slug: r.slug,
          name: r.name,
          type: r.type,
          state: r.state,
          health: r.health,
          currentRelease: r.release_number == null ? null : { number: r.release_number },
        })),
      },
    });
  },
  "/update": async ({ id, name }) => {
    await pool.query({ name: "bench-floor-update", text: UPDATE, values: [id, name] });
    return JSON.stringify({ data: { updateStage: { name } } });
  },
};

const server = createServer((req, res) => {
  const route = routes[req.url ?? ""];
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route(body ? JSON.parse(body) : {}).then(
      (json) => res.writeHead(200, { "content-type": "application/json" }).end(json),
      (error) => res.writeHead(500, { "content-type": "text/plain" }).end(String(error?.message ?? error)),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  serveChild({ url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }, async () => {
    server.close();
    await pool.end();
  });
});
