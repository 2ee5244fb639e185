/** The types every part of packages/db and its users share: the driver-neutral `Db` and `Database`. */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.js";

export type Schema = typeof schema;
/** The one drizzle type both drivers satisfy. Services depend on this, never on a driver. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle, as passed to `db.transaction(tx => …)`. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface Database {
  readonly db: Db;
  readonly driver: "pglite" | "postgres";
  /**
   * Subscribe to a NOTIFY channel. PostgreSQL only: all listeners of a process share one
   * connection, which reconnects by itself when lost; `onResume` is called after each
   * reconnection, since NOTIFYs sent meanwhile are lost. On PGlite there is one process, so
   * callers signal in-process instead.
   */
  listen?(channel: string, onPayload: (payload: string) => void, onResume?: () => void): Promise<() => Promise<void>>;
  /** Closes every connection and releases the data-dir lock. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects PostgreSQL; unset selects embedded PGlite. */
  url?: string;
  /** PGlite only: the data directory (the database lives in `<dataDir>/data`). Unset = in memory. */
  dataDir?: string;
  /**
   * PGlite only: start from a dump made by `dumpMigratedPglite` (fast test start-up). Default: a
   * data dir with no database yet starts from the one the build made (pglite-snapshot.ts).
   */
  snapshot?: Blob;
  /** PostgreSQL only: connection pool size. Default 10. */
  poolSize?: number;
  /**
   * PostgreSQL only: a direct connection (`postgres://…`, not through a pooler) for LISTEN and
   * the migrations, for when `url` goes through a transaction-mode pooler such as pgbouncer,
   * where neither works (a session's LISTEN and advisory lock stay with a server connection the
   * next transaction may not get). With it, statements are sent unnamed: one prepared on one
   * server connection would be unknown on the next.
   */
  listenUrl?: string;
  /** Skip migrations (the snapshot already has them). Default false. */
  skipMigrations?: boolean;
  /** PostgreSQL only: told of each lost connection (the process carries on). Default: ignored. */
  onConnectionError?: (message: string, error?: unknown) => void;
}
