/**
 * The real Pergola API in its own process, for benchmarks: `createServer` from the built API on
 * 127.0.0.1 and a free port, PostgreSQL, a silent logger. Prints `{ url, graphqlUrl, wsUrl }` as a
 * JSON line on stdout, then reports its CPU and memory on request (see child-side.mjs).
 *
 * Environment: BENCH_DATABASE_URL (postgres://…), BENCH_ADMIN_TOKEN (pgl_…, created as admin).
 * Standalone: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_ADMIN_TOKEN=pgl_… node bench/lib/pergola-server.mjs
 */
import { pino } from "pino";
import { createServer } from "../../apps/api/dist/server.js";
import { serveChild } from "./child-side.mjs";

const url = process.env.BENCH_DATABASE_URL;
const adminToken = process.env.BENCH_ADMIN_TOKEN;
if (!url || !adminToken) {
  console.error("pergola-server: set BENCH_DATABASE_URL and BENCH_ADMIN_TOKEN");
  process.exit(2);
}

const server = await createServer({
  port: 0,
  host: "127.0.0.1",
  database: { url },
  adminToken,
  logger: pino({ level: "silent" }),
});
serveChild({ url: server.url, graphqlUrl: server.graphqlUrl, wsUrl: server.wsUrl }, () => server.close());
