/**
 * `isDatabaseUnavailable` on real node-postgres errors: a refused connection and a terminated
 * backend mean "unavailable, try again"; a query's own faults do not.
 */
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./faults.js";

const url = process.env.TEST_DATABASE_URL;
let client: pg.Client;
let admin: pg.Client;

beforeAll(async () => {
  if (!url) return;
  client = new pg.Client({ connectionString: url, application_name: `faults-test-${process.pid}` });
  client.on("error", () => undefined);
  admin = new pg.Client({ connectionString: url });
  await Promise.all([client.connect(), admin.connect()]);
});
afterAll(async () => {
  await Promise.all([client?.end().catch(() => undefined), admin?.end()]);
});

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => expect.unreachable("it should have failed"),
    (error: unknown) => error,
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!url)("isDatabaseUnavailable", () => {
  it("is true for a refused connection", async () => {
    const refused = new pg.Client({ host: "127.0.0.1", port: await closedPort(), user: "postgres" });
    expect(isDatabaseUnavailable(await failureOf(() => refused.connect()))).toBe(true);
  });

  it("is false for a query's own faults", async () => {
    expect(isDatabaseUnavailable(await failureOf(() => client.query("select from no_such_table")))).toBe(false);
    expect(isDatabaseUnavailable(await failureOf(() => client.query("select 1/0")))).toBe(false);
  });

  it("is true for a backend terminated under a query, and for the lost connection after", async () => {
    const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    const sleeping = failureOf(() => client.query("select pg_sleep(10)"));
    // Once the sleep runs (the query may reach the server a moment later).
    let terminated = 0;
    while (terminated === 0) {
      terminated =
        (await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where pid = $1 and state = 'active'", [pid])).rowCount ??
        0;
    }
    expect(isDatabaseUnavailable(await sleeping)).toBe(true);
    expect(isDatabaseUnavailable(await failureOf(() => client.query("select 1")))).toBe(true);
  });
});
