#!/usr/bin/env node
/**
 * `npm start` (`node scripts/start.mjs --build`): builds (`turbo run build`), then runs the API on
 * the embedded database (or
 * DATABASE_URL) and, beside it, the local agent — the built-in `local` Outpost that runs every
 * Stage not on a remote Outpost. The local agent's token is made once and kept in
 * `<data dir>/local-agent-token` (mode 0600), which the agent reads with --token-file (a token
 * on a command line is readable by every user of the machine). As root the agent runs each
 * Stage as a user of its own; otherwise it is started with --allow-same-user, and we say why.
 * Once the API listens, the dashboard is served
 * too (`next start` on DASHBOARD_PORT, default 3000) with PERGOLA_API_URL set to the API's URL;
 * its line says how to sign in: the admin's email and the one-time password the API printed on
 * its first start (later, where that first password is kept).
 * Before anything, a taken API or dashboard port is said in one line naming the variable that
 * picks another (PORT, DASHBOARD_PORT), and it exits 1.
 * SIGINT (Ctrl-C) or SIGTERM — to this process or to the npm process running it, which forwards
 * it — stops everything, Components included (the local agent stops them): each child gets
 * SIGTERM and we exit once all have exited (0), or after 30 s, killing what is left (1).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// `.env` (or the file PERGOLA_ENV_FILE names), as the API reads it (apps/api/src/env.ts): the
// ports and data dir used here, and handed to every child, are the ones it sets.
const envFile = resolve(process.env.PERGOLA_ENV_FILE || ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);
const dataDir = resolve(process.env.PERGOLA_DATA_DIR ?? "./.pergola");
const children = [];
let stopping = false;
/** The API's process: stopped last. */
let apiChild = null;

function localAgentToken() {
  const file = join(dataDir, "local-agent-token");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const token = `pgl_${randomBytes(24).toString("base64url")}`;
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return token;
  }
}

/**
 * glibc gives each thread that allocates an arena of its own and rarely returns their memory:
 * with libuv's thread pool busy, that alone grew the API's RSS by ~40 MB under the fuzz suite
 * while its JS heap did not grow. Two arenas keep it flat (the setting Heroku recommends).
 */
const MALLOC_ARENA_MAX = process.env.MALLOC_ARENA_MAX ?? "2";

function run(name, args, env, onOutput, cwd = root) {
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, MALLOC_ARENA_MAX, ...env },
  });
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    onOutput?.(String(chunk));
  });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
    stop(code || 1);
  });
  children.push(child);
  return child;
}

/** Children started in a process group of their own (the build): signalled as a group. */
const groups = new Set();

/**
 * SIGTERM to every child, the API last (once the agent and the dashboard are gone, so the agent
 * does not see it go and try to reconnect); exits with `code` once all have exited.
 */
function stop(code) {
  if (stopping) return;
  stopping = true;
  let left = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (left.length === 0) process.exit(code);
  const api = left.find((c) => c === apiChild);
  const firstWave = left.filter((c) => c !== api);
  for (const child of left) {
    child.once("exit", () => {
      left = left.filter((c) => c !== child);
      if (left.length === 0) process.exit(code);
      if (api && left.length === 1 && left[0] === api) signal(api, "SIGTERM");
    });
  }
  if (firstWave.length === 0) signal(api, "SIGTERM");
  for (const child of firstWave) signal(child, "SIGTERM");
  setTimeout(() => {
    console.error(`Still running 30 s after SIGTERM: ${left.map((c) => c.spawnargs.slice(1, 2).join(" ")).join(", ")}; killed.`);
    for (const child of left) signal(child, "SIGKILL");
    process.exit(1);
  }, 30_000).unref();
}

function signal(child, name) {
  try {
    if (groups.has(child)) process.kill(-child.pid, name);
    else child.kill(name);
  } catch {
    // already gone
  }
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** Says, in one line, that a port is taken and which variable picks another; exits 1. */
async function checkPort(port, host, variable, what) {
  if (port === 0) return;
  const error = await new Promise((resolve) => {
    const server = createServer();
    server.once("error", resolve);
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
  if (error?.code !== "EADDRINUSE") return;
  console.error(
    `Port ${port} on ${host} (the ${what}) is already in use: set ${variable} to pick another, e.g. ${variable}=${port + 1} npm start`,
  );
  process.exit(1);
}

/** `turbo run build`, in a process group of its own so that a signal stops all of it. */
async function build() {
  const child = spawn(process.execPath, [join(root, "node_modules/turbo/bin/turbo"), "run", "build", "--output-logs=errors-only"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  children.push(child);
  groups.add(child);
  const [code, signalName] = await new Promise((resolve) => child.once("exit", (...result) => resolve(result)));
  children.splice(children.indexOf(child), 1);
  if (stopping) return new Promise(() => {}); // stop() exits
  if (code !== 0) {
    console.error(`The build failed (${signalName ?? `exit ${code}`}).`);
    process.exit(code || 1);
  }
}

const host = process.env.HOST || "127.0.0.1";
const dashboardPort = Number(process.env.DASHBOARD_PORT || "3000");
const dashboardDir = join(root, "apps/dashboard");
// `npm start -- --no-build` skips the build (already built).
const willBuild = process.argv.includes("--build") && !process.argv.includes("--no-build");
await checkPort(Number(process.env.PORT || "4000"), host, "PORT", "API's");
if (willBuild || existsSync(join(dashboardDir, ".next/BUILD_ID"))) await checkPort(dashboardPort, host, "DASHBOARD_PORT", "dashboard's");
if (willBuild) await build();

const token = localAgentToken();
const isRoot = process.getuid?.() === 0;
// The Stage users reach their directories under <data dir>/agent by path: they may pass through
// the data dir (0711), not list it; what the API keeps there is 0600/0700 on its own.
if (isRoot) {
  chmodSync(dataDir, 0o711);
  // The API's uploads (every Project's Builds) stay closed to them.
  mkdirSync(join(dataDir, "artifacts"), { recursive: true, mode: 0o700 });
  chmodSync(join(dataDir, "artifacts"), 0o700);
}
let output = "";
/** The API's start-up lines (the admin's email and first password are in them), for the dashboard's line. */
let apiBanner = "";
let agentStarted = false;
apiChild = run("api", ["apps/api/dist/index.js"], { PERGOLA_DATA_DIR: dataDir, PERGOLA_LOCAL_AGENT_TOKEN: token }, (chunk) => {
  if (apiBanner.length < 64 * 1024) apiBanner += chunk;
  if (agentStarted) return;
  output += chunk;
  // The API prints its URL once it listens; the agent dials it there.
  const url = /Pergola API\s+(http:\/\/\S+?)\/graphql/.exec(output)?.[1];
  if (!url) return;
  agentStarted = true;
  output = "";
  console.log(`  CLI           npx pergola login --endpoint ${url} --access-key $(cat ${join(dataDir, "admin-token")})\n`);
  const agentArgs = [
    "apps/agent/dist/cli.js",
    "--server",
    url,
    "--token-file",
    join(dataDir, "local-agent-token"),
    "--data-dir",
    join(dataDir, "agent"),
  ];
  if (!isRoot) {
    console.log(
      "  Local agent   not running as root, so it cannot give each Stage a user of its own: started with --allow-same-user,\n" +
        "                its Components run as you and are not isolated from each other. Run npm start as root to isolate them.\n",
    );
    agentArgs.push("--allow-same-user");
  }
  // Not the API's secrets: the agent needs none of them (and its Components get none of its env).
  run("agent", agentArgs, { PERGOLA_PUBLIC_URL: "", PERGOLA_ADMIN_TOKEN: "", PERGOLA_LOCAL_AGENT_TOKEN: "", PERGOLA_SECRET_KEY: "" });
  startDashboard(url);
});

/** The admin's email and, on the first start, the one-time password the API printed. */
function signInHint() {
  const email = /Admin user\s+([^\s,]+)/.exec(apiBanner)?.[1] ?? "admin@localhost";
  const password = /one-time password[^\n]*\n[^\n]*\):\n\s+(\S+)/.exec(apiBanner)?.[1];
  if (password) return `                email ${email}   password ${password}`;
  return `                email ${email}   password: yours (the first one is in ${join(dataDir, "admin-password")})`;
}

/** The dashboard, if it was built (`npm start` builds it; `npm start -w @pergola/api` does not need it). */
function startDashboard(apiUrl) {
  // The standalone build (next.config.mjs): the same server the container image runs.
  const dir = join(root, "apps/dashboard/.next/standalone/apps/dashboard");
  if (!existsSync(join(dir, "server.js"))) {
    console.log("  Dashboard     not built (npm run build); skipped");
    return;
  }
  const port = process.env.DASHBOARD_PORT || "3000";
  const host = process.env.HOST || "127.0.0.1";
  let announced = false;
  run(
    "dashboard",
    [join(dir, "server.js")],
    { PERGOLA_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", DASHBOARD_PORT: port, PORT: port, HOSTNAME: host },
    (chunk) => {
      if (announced || !/Ready|started server|Local:/i.test(chunk)) return;
      announced = true;
      const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
      console.log(`\n  Dashboard     http://${shown}:${port}   (sign in with the admin email and password)\n${signInHint()}\n`);
    },
    dir,
  );
}
