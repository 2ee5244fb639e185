/**
 * The database client factory. Two drivers behind one `Database`:
 *  - embedded PGlite (the default): one in-process connection, data in `<dataDir>/data`,
 *    guarded by a lock so a second live process refuses to open the same directory;
 *  - PostgreSQL through node-postgres when a URL is given, with LISTEN/NOTIFY (postgres.ts).
 * Migrations are applied on open, under an advisory lock on PostgreSQL.
 */
import { readFileSync } from "node:fs";
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { lockDataDir } from "./data-dir-lock.js";
import type { Database, Db, OpenDatabaseOptions } from "./database.js";
import { readBuiltSnapshot } from "./pglite-snapshot.js";
import * as schema from "./schema.js";

export { DataDirLockedError } from "./data-dir-lock.js";
export { isDatabaseUnavailable } from "./faults.js";

export type { Database, Db, OpenDatabaseOptions, Schema, Tx } from "./database.js";

const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));
const expectedMigrations = (JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: unknown[] })
  .entries.length;

/**
 * Each driver is imported when it is opened, not with this module: a process on PostgreSQL never
 * loads PGlite (its WebAssembly and its drizzle adapter), and one on PGlite never loads `pg`.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(options.url, migrationsFolder, options);
  }
  return openPglite(options);
}

async function importPglite() {
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
    import("drizzle-orm/pglite/migrator"),
  ]);
  return { PGlite, drizzlePglite: drizzle, migratePglite: migrate };
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  const { PGlite, drizzlePglite, migratePglite } = await importPglite();
  let release: (() => Promise<void>) | undefined;
  let client: InstanceType<typeof PGlite>;
  let dbFiles: string | undefined;
  if (options.dataDir) {
    await secureDataDir(options.dataDir);
    release = await lockDataDir(options.dataDir);
    dbFiles = join(options.dataDir, "data");
    // A data dir without a database yet starts from the migrated one the build made (pglite-snapshot.ts).
    const snapshot = options.snapshot ?? ((await isEmptyDir(dbFiles)) ? await readBuiltSnapshot() : undefined);
    client = await PGlite.create({ dataDir: dbFiles, loadDataDir: snapshot });
  } else {
    client = await PGlite.create({ loadDataDir: options.snapshot });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  try {
    if (!options.skipMigrations) await migratePglite(drizzlePglite(client), { migrationsFolder });
    if (dbFiles) await restrictTree(dbFiles);
  } catch (error) {
    await client.close();
    await release?.();
    throw error;
  }
  return {
    db,
    driver: "pglite",
    async close() {
      await client.close();
      // Files PGlite made since it opened (new relations, WAL) are 0666 too.
      if (dbFiles) await restrictTree(dbFiles).catch(() => undefined);
      await release?.();
    },
  };
}

async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

/**
 * The data dir holds the database, tokens and secrets. A new one is 0700; an existing one loses
 * read and write for group and others, keeping their execute bit if it has one: a local agent's
 * data dir inside it (`npm start` as root) must stay reachable for its Stage users, and every
 * file of the API's in it is 0600 or in a 0700 directory on its own.
 */
async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { mode } = await lstat(dataDir);
  if (mode & 0o066) await chmod(dataDir, mode & 0o711);
}

/**
 * PGlite (Emscripten's NODEFS) creates its files 0666 whatever the umask: the database's
 * directories become 0700 and its files 0600, so no other user of the machine (a Component
 * running as a Stage user, say) reads them.
 */
async function restrictTree(path: string): Promise<void> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink()) return;
  const wanted = stat.isDirectory() ? 0o700 : 0o600;
  if ((stat.mode & 0o777) !== wanted) await chmod(path, wanted);
  if (stat.isDirectory()) for (const entry of await readdir(path)) await restrictTree(join(path, entry));
}

/** PGlite only: a migrated, empty database as a tarball, for fast test start-up. */
export async function dumpMigratedPglite(): Promise<Blob> {
  const { PGlite, drizzlePglite, migratePglite } = await importPglite();
  const client = await PGlite.create();
  try {
    await migratePglite(drizzlePglite(client), { migrationsFolder });
    return await client.dumpDataDir("none");
  } finally {
    await client.close();
  }
}

/** True when the database answers and every migration is applied (for `/readyz`). */
export async function isReady(db: Db): Promise<boolean> {
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
  return (row?.n ?? 0) >= expectedMigrations;
}

/** `db.execute` answers `{ rows }` on PGlite and node-postgres (an array on postgres.js): one shape for callers. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
