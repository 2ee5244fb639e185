/**
 * Purged Stages' storage (PROTOCOL.md "Purged Stages"): the API's desired state names each Stage
 * purged on this Outpost (its id and its key `<project>/<stage>`) until the agent acknowledges
 * it. The Reconciler removes the Stage first (nothing of it runs); then this deletes its
 * directories under the runtime's data dir — `storage/<key>` (its standard volumes) and
 * `run/<key>`, and the Project's `storage/<project>` and `run/<project>` once they are empty —
 * deletes the Stage's system user when the agent runs Stages as users of their own, and
 * acknowledges; a Stage with none of these is simply acknowledged.
 *
 * The key comes over the wire, so it becomes a path only when it is plainly two Stage IDs (DNS
 * labels: no `/`, `.` or `..` can hide in them) and the path is inside the data dir; the Stage's
 * id must be a UUID. A directory on the way that is a symbolic link is refused, not followed, and
 * `rm` removes a link it meets, not what it points to. A tombstone that fails these checks is
 * logged and not acknowledged.
 */
import { lstat, rm, rmdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { getStageDirs } from "@pergola/runtime";
import { slugProblem } from "@pergola/schema";
import type { PurgedStage } from "./desired-state.js";
import type { AgentLogger } from "./ports.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StagePurgesOptions {
  /** The runtime's data dir (`<agent data dir>/runtime`): `storage/` and `run/` are below it. */
  runtimeDataDir: string;
  /** Says so to the API (`acknowledgePurge`); rejects when it could not. */
  acknowledge(stageId: string): Promise<unknown>;
  /** Deletes the Stage's system user, if the agent made one (ProcessRuntime.removeStageUser). */
  removeUser?(stageId: string): Promise<void>;
  logger: AgentLogger;
}

/** Why `purged` may not become a path, or undefined when it may. */
export function purgeProblem(purged: PurgedStage): string | undefined {
  if (!UUID.test(purged.stageId)) return "the Stage's id is not a UUID";
  const parts = purged.key.split("/");
  if (parts.length !== 2) return "the key is not <project>/<stage>";
  for (const part of parts) if (slugProblem(part)) return `the key's "${part}" is not a Stage ID or Project slug`;
  return undefined;
}

/** The purged Stage's directories under the runtime's data dir; throws for a tombstone that may not become a path. */
export function getPurgeDirs(runtimeDataDir: string, purged: PurgedStage): string[] {
  const problem = purgeProblem(purged);
  if (problem) throw new Error(`refusing to purge ${JSON.stringify(purged.key)}: ${problem}`);
  const { storage, run } = getStageDirs(runtimeDataDir, purged.key);
  for (const dir of [storage, run]) {
    const inside = relative(runtimeDataDir, dir).split(sep);
    // <storage|run>/<project>/<stage>, nothing else.
    if (inside.length !== 3 || inside.some((part) => part === ".." || part === "")) {
      throw new Error(`refusing to purge ${JSON.stringify(purged.key)}: ${dir} is not a Stage's directory of ${runtimeDataDir}`);
    }
  }
  return [storage, run];
}

export class StagePurges {
  constructor(private readonly options: StagePurgesOptions) {}

  /** Deletes the Stage's directories (if any), then acknowledges; rejects when either fails. */
  async purge(purged: PurgedStage): Promise<void> {
    const dirs = getPurgeDirs(this.options.runtimeDataDir, purged);
    let removed = 0;
    for (const dir of dirs) {
      await refuseLinkedParents(this.options.runtimeDataDir, dir);
      if (!(await exists(dir))) continue;
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
    // The Project's directory goes with its last Stage's (another Stage's, made meanwhile, keeps it).
    for (const dir of dirs) await removeIfEmpty(dirname(dir));
    await this.options.removeUser?.(purged.stageId);
    this.options.logger.info({ stage: purged.key, stageId: purged.stageId, removed }, "purged stage's storage removed");
    await this.options.acknowledge(purged.stageId);
  }
}

/** `storage/<project>` (and `storage` itself) must be real directories, or absent: never a link to elsewhere. */
async function refuseLinkedParents(root: string, dir: string): Promise<void> {
  const [top, project] = relative(root, dir).split(sep);
  for (const path of [join(root, top!), join(root, top!, project!)]) {
    const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (stat && !stat.isDirectory()) throw new Error(`refusing to purge below ${path}: not a directory (a symbolic link?)`);
  }
}

async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTEMPTY" || error.code === "EEXIST") return;
    throw error;
  });
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}
