/**
 * Issue 11, item 4: generated requests from every field of the schema against the built API as
 * a process of its own in production mode (no introspection, no schema hints), with an admin
 * token so resolvers are reached, over HTTP and graphql-ws; then the process must be alive and
 * its RSS not much grown. `npm test` runs a fixed seed; `npm run fuzz` (scripts/fuzz.mjs) sets
 * FUZZ_* for long runs and replays.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../apps/api/src/auth/token.service.js";
import { freshDatabaseOptions, testDb } from "../../apps/api/src/testing/harness.js";
import { type ApiProcess, spawnApi } from "../../apps/api/src/testing/process.js";
import { createFuzzWorld, runFuzz, type Transport } from "./fuzz-run.js";
import { collectGarbage, findInspectorUrl } from "./inspector.js";
import type { Target } from "./transports.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const PATH = process.env.FUZZ_PATH || undefined;
const SURVEY = process.env.FUZZ_SURVEY === "1";
const TRANSPORTS = (process.env.FUZZ_TRANSPORT ? [process.env.FUZZ_TRANSPORT] : ["http", "ws"]) as Transport[];
const RSS_GROWTH_LIMIT_MB = 50;
const WARM_UP_RUNS = 1000;
/** Generous: every answer has its own 2 s deadline, this only bounds a run gone wrong. */
const RUN_TIMEOUT_MS = 60_000 + RUNS * 100;

/** The API process's resident set, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

describe(`fuzzing the API (${testDb}, ${RUNS} runs, seed ${SEED})`, () => {
  let api: ApiProcess;
  let database: Awaited<ReturnType<typeof freshDatabaseOptions>> | undefined;
  let target: Target;
  let rssBefore: number;
  let inspector: string;

  beforeAll(async () => {
    const token = generateToken();
    // A database of its own on PostgreSQL: the same world every run (lists no other test's rows).
    database = testDb === "postgres" ? await freshDatabaseOptions() : undefined;
    // With its inspector open to the test alone (loopback, a port of its own): RSS is read after a full GC.
    api = await spawnApi(
      {
        NODE_ENV: "production",
        PERGOLA_ADMIN_TOKEN: token,
        ...(database && "url" in database.options ? { DATABASE_URL: database.options.url! } : {}),
      },
      ["--inspect=127.0.0.1:0"],
    );
    inspector = findInspectorUrl(api.output());
    target = { graphqlUrl: api.graphqlUrl, wsUrl: api.wsUrl, token };
    await createFuzzWorld(target);
    // The baseline is taken warm: V8's heap first grows to the working size of such requests
    // (1,000 runs of each transport get there), which is not growth that goes on. What a leak
    // adds comes after.
    for (const transport of TRANSPORTS) await runFuzz(target, { transport, db: testDb, runs: WARM_UP_RUNS, seed: SEED + 1, survey: true });
    await collectGarbage(inspector);
    rssBefore = rssMb(api.child.pid!);
  }, 180_000);

  afterAll(async () => {
    const code = await api?.stop();
    // A dead API says why in its own output: the last of it, with the failure.
    expect(code, `the API exited with ${code}; its last output:\n${api?.output().slice(-4000)}`).toBe(0);
    await database?.drop();
  });

  for (const transport of TRANSPORTS) {
    it(
      `${transport}: no 5xx, no INTERNAL_SERVER_ERROR, no internal text, every answer within 2 s`,
      async () => {
        const outcome = await runFuzz(target, { transport, db: testDb, runs: RUNS, seed: SEED, path: PATH, survey: SURVEY });
        if (outcome.failed) console.error(outcome.report);
        expect(outcome.report).toBe("");
      },
      RUN_TIMEOUT_MS,
    );
  }

  it("the API is still alive", async () => {
    const health = await fetch(`${api.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    expect(health.status).toBe(200);
  });

  // Measured after a full GC (through the inspector), from the working size (the warm-up), with
  // the process as npm start runs it (MALLOC_ARENA_MAX=2, testing/process.ts): its JS heap grows
  // ~5 MB over 2 × 2,000 runs (the bounded document caches filling); without the setting, glibc's
  // per-thread malloc arenas alone add ~40 MB of RSS that is never given back.
  it(`its RSS grew by at most ${RSS_GROWTH_LIMIT_MB} MB`, async () => {
    await collectGarbage(inspector);
    const grown = rssMb(api.child.pid!) - rssBefore;
    console.info(`fuzz (${testDb}): API RSS ${Math.round(rssBefore)} MB after the warm-up, grew by ${grown.toFixed(1)} MB`);
    expect(grown).toBeLessThanOrEqual(RSS_GROWTH_LIMIT_MB);
  });
});
