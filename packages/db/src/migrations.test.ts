/**
 * Upgrading a database from before users (migration 0007) keeps every token working: agent
 * tokens stay agent tokens; ADMIN tokens become keys of the admin user; each MEMBER token a key
 * of a user of its own, owner of the Projects it could use. Outposts with Stages are granted to
 * those Projects, and artifacts belong to the Projects that built from them.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const migrations = fileURLToPath(new URL("../drizzle", import.meta.url));
let client: PGlite;
let upTo0007: string;

beforeAll(async () => {
  // The migrations as they were before users: the same files, the journal cut after 0007.
  upTo0007 = await mkdtemp(join(tmpdir(), "pergola-migrations-"));
  await cp(migrations, upTo0007, { recursive: true });
  const journal = JSON.parse(await readFile(join(migrations, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(
    0,
    journal.entries.findIndex((e) => e.tag.startsWith("0008")),
  );
  await writeFile(join(upTo0007, "meta", "_journal.json"), JSON.stringify(journal));
  client = await PGlite.create();
});
afterAll(async () => {
  await client?.close();
  await rm(upTo0007, { recursive: true, force: true });
});

describe("migration 0008 (users and access)", () => {
  it("turns the tokens of before into keys of users, memberships into ownerships", async () => {
    await migrate(drizzle(client), { migrationsFolder: upTo0007 });
    await client.exec(`
      insert into projects (id, slug, name) values ('00000000-0000-4000-8000-000000000001', 'shop', 'Shop');
      insert into api_tokens (id, name, prefix, hash, role) values
        ('00000000-0000-4000-8000-0000000000a1', 'admin', 'pgl_aaaa', 'hash-admin-1', 'ADMIN'),
        ('00000000-0000-4000-8000-0000000000a2', 'ci admin', 'pgl_bbbb', 'hash-admin-2', 'ADMIN'),
        ('00000000-0000-4000-8000-0000000000b1', 'ci', 'pgl_cccc', 'hash-member', 'MEMBER');
      insert into api_tokens (id, name, prefix, hash, role, outpost) values
        ('00000000-0000-4000-8000-0000000000c1', 'agent of local', 'pgl_dddd', 'hash-agent', 'AGENT', 'local');
      insert into project_members (project_id, token_id) values
        ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000b1');
      insert into outposts (id, slug, name) values ('00000000-0000-4000-8000-0000000000d1', 'berlin', 'Berlin');
      insert into stages (project_id, slug, name, type, outpost_id) values
        ('00000000-0000-4000-8000-000000000001', 'edge', 'edge', 'DEV', '00000000-0000-4000-8000-0000000000d1');
      insert into artifacts (sha256, size) values ('${"a".repeat(64)}', 1);
      insert into builds (project_id, name, number, manifest, artifact_sha256, created_by) values
        ('00000000-0000-4000-8000-000000000001', 'b1', 1, '{}', '${"a".repeat(64)}', 'ci');
    `);
    await migrate(drizzle(client), { migrationsFolder: migrations });

    const tokens = await client.query<{
      hash: string;
      kind: string;
      email: string | null;
      is_admin: boolean | null;
      outpost: string | null;
    }>(`
      select t.hash, t.kind, u.email, u.is_admin, t.outpost from api_tokens t left join users u on u.id = t.user_id order by t.hash`);
    expect(tokens.rows).toEqual([
      { hash: "hash-admin-1", kind: "LEGACY", email: "admin@localhost", is_admin: true, outpost: null },
      { hash: "hash-admin-2", kind: "LEGACY", email: "admin@localhost", is_admin: true, outpost: null },
      { hash: "hash-agent", kind: "AGENT", email: null, is_admin: null, outpost: "local" },
      {
        hash: "hash-member",
        kind: "LEGACY",
        email: "token-00000000-0000-4000-8000-0000000000b1@legacy.invalid",
        is_admin: false,
        outpost: null,
      },
    ]);
    const admin = await client.query<{ name: string; password_hash: string | null }>(
      `select name, password_hash from users where email = 'admin@localhost'`,
    );
    // The next start gives the admin user its one-time password.
    expect(admin.rows).toEqual([{ name: "admin", password_hash: null }]);
    const members = await client.query<{ email: string; role: string }>(`
      select u.email, m.role from project_members m join users u on u.id = m.user_id`);
    expect(members.rows).toEqual([{ email: "token-00000000-0000-4000-8000-0000000000b1@legacy.invalid", role: "OWNER" }]);
    // What ran before keeps running: the Outpost is granted, the artifact belongs to its Project.
    expect((await client.query(`select outpost_id, project_id from outpost_grants`)).rows).toEqual([
      { outpost_id: "00000000-0000-4000-8000-0000000000d1", project_id: "00000000-0000-4000-8000-000000000001" },
    ]);
    expect((await client.query(`select project_id from artifact_projects`)).rows).toEqual([
      { project_id: "00000000-0000-4000-8000-000000000001" },
    ]);
    const events = await client.query<{ column_default: string }>(`
      select column_default from information_schema.columns where table_name = 'events' and column_name = 'actor'`);
    expect(events.rows[0]?.column_default).toContain("system");
  });
});
