/**
 * The built API in this process on PostgreSQL, with a fresh admin token, a GraphQL-over-HTTP
 * client and a node-postgres connection for the benchmark's own reads and clean-up: what the
 * in-process benchmarks (health, wakeups) share. `close` also removes the admin token it made.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import { hashToken } from "../../apps/api/dist/auth/token.service.js";
import { createServer } from "../../apps/api/dist/server.js";
import { BenchError } from "./util.mjs";

export const BENCH_DATABASE_HELP = "database: BENCH_DATABASE_URL ?? TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test";

export async function startInProcessApi() {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const runId = randomBytes(3).toString("hex");
  const adminToken = `pgl_bench_${randomBytes(24).toString("base64url")}`;
  const server = await createServer({
    port: 0,
    host: "127.0.0.1",
    database: { url: databaseUrl },
    adminToken,
    logger: pino({ level: "silent" }),
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  /** A query or mutation as the admin: its data, or a BenchError with the first errors. */
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
  return {
    server,
    db,
    gql,
    runId,
    adminToken,
    /** Stops the server, then removes the admin token and ends the connection. */
    async close() {
      await server.close();
      await db.query("delete from api_tokens where hash = $1", [hashToken(adminToken)]).catch(() => undefined);
      await db.end();
    },
  };
}
