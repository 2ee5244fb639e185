#!/usr/bin/env node
/**
 * `npm run fuzz -- [--runs N] [--seed S] [--path P] [--transport http|ws] [--db pglite|postgres] [--survey]`
 * runs test/fuzz/api-fuzz.test.ts with those settings (FUZZ_* variables). --seed with --path
 * replays a shrunk case as a failure prints it; --survey goes on past failures and lists one
 * example of each kind. --db postgres needs TEST_DATABASE_URL (the default when it is set).
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "2000" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    path: { type: "string" },
    transport: { type: "string" },
    db: { type: "string", default: process.env.TEST_DATABASE_URL ? "postgres" : "pglite" },
    survey: { type: "boolean", default: false },
  },
});
if (values.transport && !["http", "ws"].includes(values.transport)) throw new Error("--transport is http or ws");
if (!["pglite", "postgres"].includes(values.db)) throw new Error("--db is pglite or postgres");
if (values.db === "postgres" && !process.env.TEST_DATABASE_URL) throw new Error("--db postgres needs TEST_DATABASE_URL");

console.log(`fuzz: ${values.runs} runs, seed ${values.seed}, ${values.transport ?? "http and ws"}, ${values.db}`);
const child = spawn("npx", ["vitest", "run", "--project", values.db, "test/fuzz/api-fuzz.test.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    FUZZ_RUNS: values.runs,
    FUZZ_SEED: values.seed,
    FUZZ_PATH: values.path ?? "",
    FUZZ_TRANSPORT: values.transport ?? "",
    FUZZ_SURVEY: values.survey ? "1" : "",
  },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
