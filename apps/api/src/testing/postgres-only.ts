/**
 * `describeWithPostgres`: for the tests that need PostgreSQL itself (several processes on one
 * database, real concurrency: the `*.pg.test.ts` files). Without TEST_DATABASE_URL they are
 * reported as skipped, saying why, instead of being left out of the run; the file's own
 * beforeAll/afterAll do not run then (vitest runs no hook of a file whose tests are all skipped).
 * CI sets TEST_DATABASE_URL, and there none of them may be skipped: with CI set and no
 * TEST_DATABASE_URL, the file fails.
 */
import { describe } from "vitest";

export function describeWithPostgres(name: string, fn: () => void): void {
  if (process.env.TEST_DATABASE_URL) {
    describe(name, fn);
    return;
  }
  const reason = "needs PostgreSQL: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)";
  if (process.env.CI) throw new Error(`${name}: ${reason}; CI is set, so this is a failure, not a skip`);
  console.warn(`SKIPPED: ${name}: ${reason}`);
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}
