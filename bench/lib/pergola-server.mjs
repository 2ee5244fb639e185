/**
 * The real Pergola API in its own process, for benchmarks: `createServer` from the built API on
 * 127.0.0.1 and a free port, PostgreSQL, production mode, a silent logger. Prints `{ url, graphqlUrl, wsUrl }` as a
 * JSON line on stdout, then reports its CPU and memory on request (see child-side.mjs).
 *
 * Environment: BENCH_DATABASE_URL (postgres://…), BENCH_ADMIN_TOKEN (pgl_…, created as admin).
 * Standalone: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_ADMIN_TOKEN=pgl_… node bench/lib/pergola-server.mjs
 */
import { pino } from "pino";
import { serveChild } from "./child-side.mjs";

// Production, as `NODE_ENV=production node apps/api/dist/index.js` runs it: graphql-js reads
// NODE_ENV once, when it is first imported (its development checks cost per field).
process.env.NODE_ENV ??= "production";
const { createServer } = await import("../../apps/api/dist/server.js");

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
  // No introspection, no schema hints in errors.
  production: process.env.NODE_ENV === "production",
});
serveChild({ url: server.url, graphqlUrl: server.graphqlUrl, wsUrl: server.wsUrl }, () => server.close());
