/**
 * The LISTEN connection comes back after PostgreSQL dropped it: `onResume` says so, and
 * notifications flow again on the same subscription.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReconnectingListener } from "./listener.js";

const url = process.env.TEST_DATABASE_URL;
const applicationName = `listener-test-${randomBytes(4).toString("hex")}`;
const channel = `pergola_test_${randomBytes(4).toString("hex")}`;
let admin: pg.Client;
let listener: ReconnectingListener;

beforeAll(async () => {
  if (!url) return;
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  listener = new ReconnectingListener({ connectionString: url, application_name: applicationName }, () => undefined);
});
afterAll(async () => {
  await listener?.close();
  await admin?.end();
});

function within<T>(ms: number, what: string, executor: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    executor((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.skipIf(!url)("ReconnectingListener", () => {
  it("reconnects after its backend is terminated, says so, and delivers again", async () => {
    const payloads: string[] = [];
    let onPayload = (_payload: string) => {};
    let onResume = () => {};
    const unlisten = await listener.listen(channel, {
      onPayload(payload) {
        payloads.push(payload);
        onPayload(payload);
      },
      onResume: () => onResume(),
    });

    const first = within<string>(5_000, "notification", (resolve) => (onPayload = resolve));
    await admin.query("select pg_notify($1, 'before')", [channel]);
    expect(await first).toBe("before");

    const resumed = within<void>(10_000, "resume", (resolve) => (onResume = resolve));
    const { rowCount } = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [
      applicationName,
    ]);
    expect(rowCount).toBe(1);
    await resumed;

    const second = within<string>(5_000, "notification", (resolve) => (onPayload = resolve));
    await admin.query("select pg_notify($1, 'after')", [channel]);
    expect(await second).toBe("after");
    expect(payloads).toEqual(["before", "after"]);
    await unlisten();
  });
});
