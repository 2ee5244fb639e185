/**
 * PostgreSQL through node-postgres: a `pg.Pool` for queries and one reconnecting connection for
 * LISTEN. Chosen over postgres.js, which ends the process when PostgreSQL drops its connections
 * under load (`nextWrite` on a null socket, porsager/postgres#1154, #1208); bench/db-driver.mjs
 * compares the two.
 *
 * A lost connection never ends the process: the pool drops it and the query in flight fails
 * with an error `isDatabaseUnavailable` recognizes; the next query opens a new connection.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { isDatabaseUnavailable } from "./faults.js";
import { ReconnectingListener } from "./listener.js";
import * as schema from "./schema.js";
import type { Database, Db, OpenDatabaseOptions } from "./database.js";

/** Arbitrary constant shared by every replica: the advisory lock serializing migrations. */
const MIGRATION_LOCK_KEY = 4_711_007;
/** How long a query waits for a connection before failing as unavailable. */
const CONNECT_TIMEOUT_MS = 5_000;

export async function openPostgres(url: string, migrationsFolder: string, options: OpenDatabaseOptions): Promise<Database> {
  const log = options.onConnectionError ?? (() => undefined);
  // `?application_name=` in the URL takes precedence, so operators (and tests) can tell replicas apart.
  // TCP keep-alive finds a server that vanished without closing (a failover, a cut network).
  const config: pg.ClientConfig = {
    connectionString: url,
    application_name: "pergola",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  // LISTEN and the migrations' advisory lock need a session of their own: a direct connection
  // when `url` goes through a transaction-mode pooler.
  const direct: pg.ClientConfig = options.listenUrl ? { ...config, connectionString: options.listenUrl } : config;
  await migrateUnderLock(direct, migrationsFolder);
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10, ...(options.listenUrl ? { Client: UnnamedStatementsClient } : {}) });
  // An idle connection that PostgreSQL closes is reported here; without a listener, Node would
  // throw the 'error' event and end the process.
  pool.on("error", (error) => log("idle PostgreSQL connection lost", error));
  // A checked-out connection that is lost between two queries (inside a transaction) emits
  // 'error' too; the pool only listens while it is idle.
  pool.on("connect", (client) => client.on("error", (error) => log("PostgreSQL connection lost", error)));
  const listener = new ReconnectingListener(direct, log);
  const db = withReleasingTransactions(drizzle(pool, { schema }) as unknown as Db, pool);
  let closing: Promise<void> | undefined;
  return {
    db,
    driver: "postgres",
    async listen(channel, onPayload, onResume) {
      return listener.listen(channel, { onPayload, onResume });
    },
    close() {
      // Idempotent: a server and its owner may both close it; pg's pool throws on a second end().
      closing ??= listener.close().then(() => pool.end());
      return closing;
    },
  };
}

/**
 * drizzle 0.45's `transaction` on a pool never releases the connection when its BEGIN fails
 * (the `begin` runs before its try/finally): each connection lost at that moment would take a
 * slot of the pool for good, until every request waits. Here each transaction checks out its
 * connection itself and always gives it back, dropping it when it was lost. The drizzle
 * instance bound to a connection is kept with it (building one costs ~90 µs).
 */
function withReleasingTransactions(db: Db, pool: pg.Pool): Db {
  const bound = new WeakMap<pg.PoolClient, Db>();
  const transaction: Db["transaction"] = async (run, config) => {
    const client = await pool.connect();
    let failure: unknown;
    try {
      const clientDb = bound.get(client) ?? (drizzle(client, { schema }) as unknown as Db);
      bound.set(client, clientDb);
      return await clientDb.transaction(run, config);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      client.release(isDatabaseUnavailable(failure) ? (failure as Error) : undefined);
    }
  };
  return Object.assign(db, { transaction });
}

/**
 * A client that sends every statement unnamed, for a pool behind a transaction-mode pooler: a
 * named statement is prepared on one server connection, and the pooler may give the next
 * transaction another, where it does not exist ("prepared statement … does not exist").
 */
class UnnamedStatementsClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg.Client's query has a dozen overloads; this only strips `name` and passes the rest on.
  override query(config: any, ...rest: any[]): any {
    const unnamed = config && typeof config === "object" && config.name ? { ...config, name: undefined } : config;
    return (super.query as (...args: unknown[]) => unknown)(unnamed, ...rest);
  }
}

/** Replicas that start together must not run the migrator concurrently: it takes no lock. */
async function migrateUnderLock(config: pg.ClientConfig, migrationsFolder: string): Promise<void> {
  const client = new pg.Client(config);
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
