/**
 * Benchmark dispatcher: `node bench/run.mjs <benchmark> [options]`, or `npm run bench -- <benchmark> …`
 * (which builds first). Each benchmark is a module exporting `description` and
 * `run(argv) → exit code`; add new ones to the table below.
 */
const benchmarks = {
  subscriptions: () => import("./subscriptions.mjs"),
  deploy: () => import("./deploy.mjs"),
  heartbeats: () => import("./heartbeats.mjs"),
  "db-driver": () => import("./db-driver.mjs"),
  queries: () => import("./queries.mjs"),
  coldstart: () => import("./coldstart.mjs"),
  replay: () => import("./replay.mjs"),
  wakeups: () => import("./wakeups.mjs"),
  health: () => import("./health.mjs"),
  cli: () => import("./cli.mjs"),
};

const [name, ...argv] = process.argv.slice(2);

if (!name || name === "--help" || name === "-h" || !(name in benchmarks)) {
  if (name && !name.startsWith("-")) console.error(`unknown benchmark "${name}"\n`);
  console.error("usage: node bench/run.mjs <benchmark> [options]   (--help after the name for its options)\n\nbenchmarks:");
  for (const [key, load] of Object.entries(benchmarks)) {
    const { description } = await load();
    console.error(`  ${key.padEnd(16)} ${description ?? ""}`);
  }
  process.exit(name && name !== "--help" && name !== "-h" ? 2 : 0);
}

let code;
try {
  const benchmark = await benchmarks[name]();
  code = (await benchmark.run(argv)) ?? 0;
} catch (error) {
  const expected = error?.name === "BenchError" || String(error?.code).startsWith("ERR_PARSE_ARGS");
  console.error(`\nbench ${name} failed: ${expected ? error.message : (error?.stack ?? error)}`);
  code = 1;
}
// Everything was closed by the benchmark; exit anyway so a stray handle cannot hang the run.
process.exit(code);
