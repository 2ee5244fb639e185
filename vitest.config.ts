/**
 * One suite, two databases. Every test file runs on embedded PGlite; when TEST_DATABASE_URL
 * is set (CI sets it), the whole suite runs again on PostgreSQL, and the tests that need
 * several processes or real concurrency (`*.pg.test.ts`) run there too. Without it, those files
 * are in the pglite project and reported as skipped, each saying it needs TEST_DATABASE_URL
 * (`describeWithPostgres`): none is left out silently. Tests of PGlite itself
 * (`*.pglite.test.ts`) run in the pglite project only.
 */
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

const postgres = process.env.TEST_DATABASE_URL;
/** The AWS SDK's notice that its 2027 releases need Node 22 (the S3 store's tests): printed once per worker otherwise. */
const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const include = ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "test/**/*.test.ts"];

const shared = {
  // One copy of graphql, whatever each package's resolution says (otherwise "Cannot use
  // GraphQLSchema from another module or realm").
  alias: { graphql: "graphql/index.js" },
  globalSetup: ["test/global-setup.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // The cores less one. Two at a time on two cores was ~15 % faster, but starved the processes
    // the tests start and wait for: timing races showed in one run of two. On PostgreSQL each
    // worker has a database of its own (test/postgres-worker.ts).
    maxWorkers: Math.max(1, availableParallelism() - 1),
    projects: [
      {
        resolve: { alias: shared.alias },
        test: {
          name: "pglite",
          include,
          // With PostgreSQL they run in the postgres project; without it, here, as skipped.
          exclude: postgres ? ["**/*.pg.test.ts", "**/node_modules/**"] : ["**/node_modules/**"],
          globalSetup: shared.globalSetup,
          testTimeout: shared.testTimeout,
          hookTimeout: shared.hookTimeout,
          env: { PERGOLA_TEST_DB: "pglite", ...QUIET },
        },
      },
      ...(postgres
        ? [
            {
              resolve: { alias: shared.alias },
              test: {
                name: "postgres",
                include,
                // The runtime and the agent's unit tests touch no database: once, in the pglite project, is enough.
                exclude: [
                  "**/node_modules/**",
                  "**/*.pglite.test.ts",
                  "packages/runtime/**",
                  "apps/agent/**",
                  "test/examples.test.ts",
                  // The deploy files, the agent's unit file and its token sources: no database either.
                  "test/deploy-files.test.ts",
                  "test/agent-deploy.test.ts",
                  "test/agent-token.test.ts",
                  "apps/api/src/env.test.ts",
                ],
                globalSetup: shared.globalSetup,
                setupFiles: ["test/postgres-worker.ts"],
                testTimeout: shared.testTimeout,
                hookTimeout: shared.hookTimeout,
                env: { PERGOLA_TEST_DB: "postgres", ...QUIET },
              },
            },
          ]
        : []),
    ],
  },
});
