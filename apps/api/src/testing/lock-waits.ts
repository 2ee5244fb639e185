/**
 * What PostgreSQL sessions are waiting on, for a test whose answer is slow to come: each
 * session of the test database that waits on a lock or holds a transaction open, with the
 * sessions blocking it and the statement it runs. Empty on PGlite (one connection, no waits).
 */
import pg from "pg";

export async function describeLockWaits(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return "";
  const client = new pg.Client({ connectionString: url, application_name: "lock-waits" });
  await client.connect();
  try {
    const { rows } = await client.query<{ line: string }>(
      `select format('pid %s %s %s (%s) for %s s, blocked by %s: %s',
                     pid, application_name, state, coalesce(wait_event_type || '/' || wait_event, '-'),
                     round(extract(epoch from now() - xact_start)::numeric, 1), pg_blocking_pids(pid), left(query, 160)) as line
         from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and (wait_event_type = 'Lock' or state like 'idle in transaction%' or now() - xact_start > interval '1 second')
        order by xact_start`,
    );
    return rows.map((r) => r.line).join("\n");
  } finally {
    await client.end();
  }
}
