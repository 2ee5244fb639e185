/**
 * Sessions against PostgreSQL, with another connection holding a row lock to put two writes in
 * the order that once went wrong: the socket closes while its last heartbeat is being flushed.
 * The Outpost must end OFFLINE (the flush's ONLINE used to land after the close's OFFLINE and
 * outlive the socket until the monitor's grace ran out).
 */
import { outposts } from "@pergola/db/schema";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApi, uniqueSlug, withTimeout, type TestApi } from "../testing/harness.js";
import { describeWithPostgres } from "../testing/postgres-only.js";

describeWithPostgres("OutpostSessions on PostgreSQL", () => {
  let api: TestApi;
  let sql: postgres.Sql;
  beforeAll(async () => {
    api = await startTestApi({ outposts: { flushMs: 0, monitorMs: 60_000 } });
    sql = postgres(process.env.TEST_DATABASE_URL!, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await api?.close();
  });

  /** Resolves once a statement starting with `prefix` waits on a lock. */
  async function blocked(prefix: string): Promise<void> {
    for (;;) {
      const [row] = await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like ${`${prefix}%`}`;
      if (row) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("keeps an Outpost OFFLINE when its socket closes while its last heartbeat is being written", async () => {
    const sessions = api.server.services.outpostSessions;
    const slug = uniqueSlug("edge");
    await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, { i: { name: slug, slug } });
    const session = (await sessions.open(slug, {}))!;

    const lock = await sql.reserve();
    try {
      await lock`begin`;
      await lock`select 1 from outpost_heartbeats where outpost_id = ${session.outpostId} for update`;
      expect(sessions.heartbeat(session, 3).accepted).toBe(true);
      await withTimeout(blocked(`insert into "outpost_heartbeats"`), 5_000, "the heartbeat flush never reached the database");
      const closing = sessions.close(session);
      // The close may write OFFLINE now or wait for the flush; either way, the flush goes on at commit.
      await lock`commit`;
      await withTimeout(closing, 5_000, "the session never closed");
    } finally {
      lock.release();
    }
    await sessions.stop(); // the flushes and announcements under way have run
    const [row] = await api.server.database.db.select({ status: outposts.status }).from(outposts).where(eq(outposts.id, session.outpostId));
    expect(row!.status).toBe("OFFLINE");
  });
});
