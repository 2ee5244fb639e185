/**
 * The database's enums, as the migrations make them, hold exactly the values of
 * @pergola/schema's vocabulary, in its order: a value added there without a migration
 * (`npm run generate`) fails here, not at the first insert of it.
 */
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialKind, memberRole, outpostStatus, releaseState, stageDeployers, stageState, stageType } from "./schema.js";

const migrations = fileURLToPath(new URL("../drizzle", import.meta.url));
let client: PGlite;

beforeAll(async () => {
  client = await PGlite.create();
  await migrate(drizzle(client), { migrationsFolder: migrations });
});
afterAll(async () => {
  await client?.close();
});

describe("the database's enums", () => {
  const enums = [stageType, stageState, stageDeployers, credentialKind, memberRole, releaseState, outpostStatus].map((e) => ({
    name: e.enumName,
    values: e.enumValues,
  }));

  it.each(enums)("$name has the vocabulary's values", async ({ name, values }) => {
    const labels = await client.query<{ label: string }>(
      `select e.enumlabel as label from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = $1 order by e.enumsortorder`,
      [name],
    );
    expect(labels.rows.map((r) => r.label)).toEqual(values);
  });
});
