/**
 * A `@release` job runs once per Release (Pergola's rule), also when the agent restarts (after
 * a crash, an upgrade or `npm start` again): its success is written beside the Component's
 * storage, which outlives runtimes, so a new runtime reports it COMPLETED instead of running
 * a migration twice. Files are per Release, so a new Release runs its job again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ComponentDirs } from "./launch.js";

function recordPath(dirs: ComponentDirs, releaseId: string, kind = "completed"): string {
  return join(dirs.storage, ".pergola-jobs", `${releaseId.replace(/[^A-Za-z0-9_-]/g, "_")}.${kind}`);
}

export function hasJobCompleted(dirs: ComponentDirs, releaseId: string): boolean {
  return existsSync(recordPath(dirs, releaseId));
}

export function recordJobCompleted(dirs: ComponentDirs, releaseId: string): void {
  const path = recordPath(dirs, releaseId);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${new Date().toISOString()}\n`);
}

/** How many run requests (runJob) of this Release a job or cron job has run: each runs once, also across agent restarts. */
export function readRunsHandled(dirs: ComponentDirs, releaseId: string): number {
  try {
    const n = Number.parseInt(readFileSync(recordPath(dirs, releaseId, "runs"), "utf8"), 10);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

export function recordRunsHandled(dirs: ComponentDirs, releaseId: string, runs: number): void {
  const path = recordPath(dirs, releaseId, "runs");
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${runs}\n`);
}
