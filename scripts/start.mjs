#!/usr/bin/env node
/**
 * `npm start`: after `turbo run build`, runs the API on the embedded database (or
 * DATABASE_URL) with the environment as given. It prints the URLs and, on the first start,
 * the admin token. Ctrl-C stops everything. (The dashboard and the local agent join here as
 * they are built.)
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const children = [];

function run(name, args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit", env: process.env });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
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

run("api", ["apps/api/dist/index.js"]);
