#!/usr/bin/env node
/**
 * `npm start`: after `turbo run build`, runs the API on the embedded database (or
 * DATABASE_URL) and, beside it, the local agent — the built-in `local` Outpost that runs every
 * Stage not on a remote Outpost. The local agent's token is made once and kept in
 * `<data dir>/local-agent-token` (mode 0600). Once the API listens, the dashboard is served
 * too (`next start` on DASHBOARD_PORT, default 3000) with PERGOLA_API_URL set to the API's URL.
 * Ctrl-C stops everything, Components included.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = resolve(process.env.PERGOLA_DATA_DIR ?? "./.pergola");
const children = [];
let stopping = false;

function localAgentToken() {
  const file = join(dataDir, "local-agent-token");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const token = `pgl_${randomBytes(24).toString("base64url")}`;
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return token;
  }
}

function run(name, args, env, onOutput, cwd = root) {
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
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

function stop(code) {
  stopping = true;
  let left = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (left.length === 0) process.exit(code);
  for (const child of left) {
    child.once("exit", () => {
      left = left.filter((c) => c !== child);
      if (left.length === 0) process.exit(code);
    });
    child.kill("SIGTERM");
  }
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const token = localAgentToken();
let output = "";
let agentStarted = false;
run("api", ["apps/api/dist/index.js"], { PERGOLA_DATA_DIR: dataDir, PERGOLA_LOCAL_AGENT_TOKEN: token }, (chunk) => {
  if (agentStarted) return;
  output += chunk;
  // The API prints its URL once it listens; the agent dials it there.
  const url = /Pergola API\s+(http:\/\/\S+?)\/graphql/.exec(output)?.[1];
  if (!url) return;
  agentStarted = true;
  output = "";
  console.log(`  CLI           npx pergola login --endpoint ${url} --access-key $(cat ${join(dataDir, "admin-token")})\n`);
  run("agent", ["apps/agent/dist/cli.js", "--server", url, "--token", token, "--data-dir", join(dataDir, "agent")], {
    PERGOLA_PUBLIC_URL: "",
  });
  startDashboard(url);
});

/** The dashboard, if it was built (`npm start` builds it; `npm start -w @pergola/api` does not need it). */
function startDashboard(apiUrl) {
  const dir = join(root, "apps/dashboard");
  if (!existsSync(join(dir, ".next/BUILD_ID"))) {
    console.log("  Dashboard     not built (npm run build); skipped");
    return;
  }
  const port = process.env.DASHBOARD_PORT || "3000";
  const host = process.env.HOST || "127.0.0.1";
  const next = join(root, "node_modules/next/dist/bin/next");
  let announced = false;
  run("dashboard", [next, "start", "-p", port, "-H", host], { PERGOLA_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", DASHBOARD_PORT: port }, (chunk) => {
    if (announced || !/Ready|started server|Local:/i.test(chunk)) return;
    announced = true;
    const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
    console.log(`\n  Dashboard     http://${shown}:${port}   (sign in with the admin token)\n`);
  }, dir);
}
