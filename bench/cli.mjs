/**
 * `node bench/run.mjs cli [--rounds 20] [--profile] [--json]`
 *
 * How long a `pergola` command takes to start: `pergola list project` with no saved login (the
 * whole CLI is loaded, then it exits 4 at once, touching no network), run as users run it — the
 * bundle (apps/cli/bin/pergola.js → dist/pergola.js) — and as the compiled modules
 * (dist/cli.js), against the floor of Node starting with nothing to load (`node -e ""`). Rounds
 * interleave the three; the figures are medians of wall time and, where /usr/bin/time exists, of
 * the CPU time (user + system) each process used. `--profile` prints where one start of each
 * CLI case spends its CPU (node --cpu-prof).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { summarizeProfile } from "./lib/profile-summary.mjs";
import { BenchError, fmt, formatTable, percentile, sortNumbers } from "./lib/util.mjs";

export const description = "a pergola command's start (the bundle, the compiled modules) ÷ Node starting with nothing to load";

const root = fileURLToPath(new URL("..", import.meta.url));
const TIME = "/usr/bin/time";
const CASES = [
  { name: "bundle (bin/pergola.js)", args: [join(root, "apps/cli/bin/pergola.js"), "list", "project"], exit: 4 },
  { name: "modules (dist/cli.js)", args: [join(root, "apps/cli/dist/cli.js"), "list", "project"], exit: 4 },
  { name: "floor (node -e '')", args: ["-e", ""], exit: 0 },
];

/** One start: wall ms, and CPU ms from /usr/bin/time when it is there. */
function start(args, env, expectedExit) {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ["-f", "%U %S", process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(file, argv, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const wall = performance.now() - began;
      if (code !== expectedExit) return reject(new BenchError(`${args.join(" ")} exited ${code}, not ${expectedExit}: ${stderr}`));
      const cpu = timed ? stderr.trim().split("\n").at(-1).split(" ").map(Number) : undefined;
      resolve({ wall, cpu: cpu ? (cpu[0] + cpu[1]) * 1000 : NaN });
    });
  });
}

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: "string", default: "20" },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: node bench/run.mjs cli [--rounds 20] [--profile] [--json]");
    return 0;
  }
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 500)) throw new BenchError("--rounds: 1…500");
  for (const c of CASES.slice(0, 2)) if (!existsSync(c.args[0])) throw new BenchError(`${c.args[0]} is missing: npm run build first`);
  // No saved login anywhere: the command stops right after loading, with exit 4.
  const scratch = mkdtempSync(join(tmpdir(), "pergola-bench-cli-"));
  const env = { PATH: process.env.PATH ?? "", HOME: scratch, XDG_CONFIG_HOME: scratch, NO_COLOR: "1" };
  try {
    const samples = CASES.map(() => ({ wall: [], cpu: [] }));
    for (let round = 0; round < rounds + 1; round++) {
      for (let i = 0; i < CASES.length; i++) {
        const k = (i + round) % CASES.length;
        const { wall, cpu } = await start(CASES[k].args, env, CASES[k].exit);
        // The first round warms the file cache, and is not counted.
        if (round > 0) {
          samples[k].wall.push(wall);
          samples[k].cpu.push(cpu);
        }
      }
    }
    const medians = samples.map((s) => ({ wall: percentile(sortNumbers(s.wall), 50), cpu: percentile(sortNumbers(s.cpu), 50) }));
    const floor = medians.at(-1);
    console.log(`\n${rounds} starts of each, interleaved; medians\n`);
    console.log(
      formatTable(
        ["case", "wall ms", "× floor", "CPU ms", "× floor"],
        CASES.map((c, i) => [
          c.name,
          fmt(medians[i].wall),
          fmt(medians[i].wall / floor.wall, 2),
          fmt(medians[i].cpu),
          fmt(medians[i].cpu / floor.cpu, 2),
        ]),
      ),
    );
    if (values.profile) {
      for (const c of CASES.slice(0, 2)) {
        const dir = join(scratch, "profile");
        rmSync(dir, { recursive: true, force: true });
        await new Promise((resolve) =>
          spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...c.args], { env, stdio: "ignore" }).on("close", resolve),
        );
        console.log(`\n${c.name}: one start under node --cpu-prof\n${summarizeProfile(join(dir, readdirSync(dir)[0]), { top: 10 })}`);
      }
    }
    if (values.json)
      console.log(JSON.stringify({ benchmark: "cli", rounds, cases: CASES.map((c, i) => ({ name: c.name, ...medians[i] })) }));
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
