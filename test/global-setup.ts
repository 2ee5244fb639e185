/**
 * Runs once per project before any test file. PGlite: migrate one in-memory database and
 * save it as a snapshot every test server starts from (~1 s instead of ~10 s).
 * PostgreSQL: apply the migrations once, so test files do not queue on the advisory lock, and
 * drop the workers' copies of the last run (postgres-worker.ts copies the database afresh).
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import postgres from "postgres";
import { dumpMigratedPglite, openDatabase } from "../packages/db/src/client.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshot: string;
  }
}

export default async function setup(project: TestProject) {
  if (project.name === "postgres") {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error("TEST_DATABASE_URL is required for the postgres project");
    const database = await openDatabase({ url });
    await database.close();
    await dropWorkerCopies(url);
    project.provide("pgliteSnapshot", "");
    return;
  }
  const file = join(tmpdir(), `pergola-test-snapshot-${process.pid}.tar`);
  const snapshot = await dumpMigratedPglite();
  await writeFile(file, Buffer.from(await snapshot.arrayBuffer()));
  project.provide("pgliteSnapshot", file);
}

async function dropWorkerCopies(url: string): Promise<void> {
  const template = decodeURIComponent(new URL(url).pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = postgres(maintenance.toString(), { max: 1, onnotice: () => {} });
  try {
    const copies = await admin`select datname from pg_database where datname like ${`${template}\\_w%`}`;
    for (const { datname } of copies) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
