/**
 * A new data dir starts from the migrated database the build made (pglite-snapshot.ts): the
 * same database as initdb plus every migration, migrations made after it still applied, and a
 * data dir that already holds a database never replaced by it.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isReady, openDatabase, rowsOf } from "./client.js";
import type { Db } from "./database.js";
import { readBuiltSnapshot } from "./pglite-snapshot.js";

const migrations = fileURLToPath(new URL("../drizzle", import.meta.url));
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pergola-snapshot-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function systemIdentifier(db: Db): Promise<string> {
  const [row] = rowsOf<{ id: string }>(await db.execute(sql`select system_identifier::text as id from pg_control_system()`));
  return row!.id;
}

describe("the build's PGlite snapshot", () => {
  it("is written by the build and holds every migration", async () => {
    const snapshot = await readBuiltSnapshot();
    expect(snapshot, "packages/db's build writes dist/migrated-pglite.tar.gz").toBeDefined();
    const database = await openDatabase({ snapshot, skipMigrations: true });
    try {
      expect(await isReady(database.db)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it("is where a new data dir starts (initdb would make a database of its own identifier)", async () => {
    const built = await openDatabase({ snapshot: await readBuiltSnapshot(), skipMigrations: true });
    const expected = await systemIdentifier(built.db);
    await built.close();
    const database = await openDatabase({ dataDir: join(scratch, "new") });
    try {
      expect(await systemIdentifier(database.db)).toBe(expected);
      expect(await isReady(database.db)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it("leaves a data dir's own database alone when it is opened again", async () => {
    const dataDir = join(scratch, "kept");
    const first = await openDatabase({ dataDir });
    await first.db.execute(sql`insert into projects (slug, name) values ('kept', 'Kept')`);
    await first.close();
    const again = await openDatabase({ dataDir });
    try {
      const rows = rowsOf<{ slug: string }>(await again.db.execute(sql`select slug from projects`));
      expect(rows).toEqual([{ slug: "kept" }]);
    } finally {
      await again.close();
    }
  });

  it("is followed by the migrations made after it", async () => {
    // A snapshot as an older build made it: the journal cut before its last migration.
    const older = join(scratch, "older-migrations");
    await cp(migrations, older, { recursive: true });
    const journal = JSON.parse(await readFile(join(migrations, "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
    journal.entries = journal.entries.slice(0, -1);
    await writeFile(join(older, "meta", "_journal.json"), JSON.stringify(journal));
    const client = await PGlite.create();
    await migrate(drizzle(client), { migrationsFolder: older });
    const snapshot = await client.dumpDataDir("none");
    await client.close();

    const database = await openDatabase({ dataDir: join(scratch, "older"), snapshot });
    try {
      expect(await isReady(database.db)).toBe(true);
    } finally {
      await database.close();
    }
  });
});
