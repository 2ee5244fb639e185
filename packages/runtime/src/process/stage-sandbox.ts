/**
 * What keeps one Stage's Components apart from the agent and from other Stages on the disk.
 *
 * With a Stage user (the runtime runs as root):
 *
 *   <dataDir>/                       0711, the runtime's user: others pass through, cannot list
 *     pids/                          0700
 *     storage/ run/                  0711
 *       <project>/                   0711
 *         <stage>/                   0700, the Stage's user: its standard volumes / run dirs
 *     run/<project>/<stage>/.releases/<release>/
 *                                    the Release's files, copied from the agent's artifact cache
 *                                    (0700, which the Stage user cannot reach) and owned by the
 *                                    Stage's user: every Component's working directory
 *
 * Without one (the runtime's own user runs the Components): every directory is 0700 and the
 * Components run in `spec.appDir` itself.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { chmod, cp, lchown, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { ReleaseSpec } from "./runtime.type.js";
import type { StageUser } from "./stage-users.js";

export interface StageSandbox {
  /** Who the Components run as; undefined: the runtime's own user. */
  user?: StageUser;
  /** Every Component's working directory. */
  appDir: string;
}

/** `project/stage` → `project/stage`, but no segment may climb out (`..`) or be empty. */
export function toPathSegments(key: string): string[] {
  return key.split("/").map((part) => (/^\.*$/.test(part) ? part.replaceAll(".", "%2E") || "%20" : encodeURIComponent(part)));
}

/** The Stage's own directories: `<dataDir>/storage/<stageKey>` and `<dataDir>/run/<stageKey>`. */
export function getStageDirs(dataDir: string, stageKey: string): { run: string; storage: string } {
  const stage = toPathSegments(stageKey);
  return { run: join(dataDir, "run", ...stage), storage: join(dataDir, "storage", ...stage) };
}

const releaseDirName = (releaseId: string) => releaseId.replace(/[^A-Za-z0-9_-]/g, "_");

/** Where the Release's files are copied for a Stage user. */
export function getReleaseCopyDir(dataDir: string, stageKey: string, releaseId: string): string {
  return join(getStageDirs(dataDir, stageKey).run, ".releases", releaseDirName(releaseId));
}

/** Makes `<dataDir>` private to the runtime's user (0700), or passable (0711) when Stage users must reach their dirs inside. */
export function secureDataDir(dataDir: string, stageUsers: boolean): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, stageUsers ? 0o711 : 0o700);
}

/**
 * Makes the Stage's directories and, with a Stage user, its copy of the Release's files.
 * `keep`: Release ids whose copies must stay (the Release still running while the new one is prepared).
 */
export async function prepareStageSandbox(
  dataDir: string,
  spec: ReleaseSpec,
  user: StageUser | undefined,
  keep: string[] = [],
): Promise<StageSandbox> {
  secureDataDir(dataDir, user !== undefined);
  const dirs = getStageDirs(dataDir, spec.stageKey);
  if (!user) {
    for (const dir of [join(dataDir, "run"), join(dataDir, "storage")]) await mkdir(dir, { recursive: true, mode: 0o700 });
    return { appDir: spec.appDir };
  }
  for (const stageDir of [dirs.run, dirs.storage]) {
    await makePassable(dataDir, dirname(stageDir));
    await mkdir(stageDir, { recursive: true, mode: 0o700 });
    await chmod(stageDir, 0o700);
    // A Stage first run before Stage users existed (or whose user was re-created with another uid): its files become the user's.
    const { uid, gid } = await lstat(stageDir);
    if (uid !== user.uid || gid !== user.gid) await chownTree(stageDir, user);
  }
  const releases = join(dirs.run, ".releases");
  await mkdir(releases, { recursive: true, mode: 0o700 });
  await lchown(releases, user.uid, user.gid);
  const wanted = new Set([spec.releaseId, ...keep].map(releaseDirName));
  for (const entry of await readdir(releases)) {
    if (!wanted.has(entry)) await rm(join(releases, entry), { recursive: true, force: true });
  }
  // A fresh copy at each start of a Release: what a previous run changed in its files is gone.
  const appDir = join(releases, releaseDirName(spec.releaseId));
  await rm(appDir, { recursive: true, force: true });
  await cp(spec.appDir, appDir, { recursive: true, verbatimSymlinks: true });
  await chownTree(appDir, user);
  return { user, appDir };
}

/** Deletes a Release's copy (after its Components have stopped). */
export async function removeReleaseCopy(dataDir: string, stageKey: string, releaseId: string): Promise<void> {
  await rm(getReleaseCopyDir(dataDir, stageKey, releaseId), { recursive: true, force: true });
}

/** Each directory from `<dataDir>` (exclusive) down to `dir`: made if missing, 0711 (traversable, not listable). */
async function makePassable(dataDir: string, dir: string): Promise<void> {
  let path = dataDir;
  for (const part of relative(dataDir, dir).split(sep).filter(Boolean)) {
    path = join(path, part);
    await mkdir(path, { mode: 0o711 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    await chmod(path, 0o711);
  }
}

/** `chown -R` without following symbolic links. */
export async function chownTree(path: string, owner: { uid: number; gid: number }): Promise<void> {
  await lchown(path, owner.uid, owner.gid);
  if (!(await lstat(path)).isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), owner);
}

/** The same, synchronously: for the small run dirs made in the tick a Component starts in. */
export function chownTreeSync(path: string, owner: { uid: number; gid: number }): void {
  lchownSync(path, owner.uid, owner.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTreeSync(join(path, entry), owner);
}

/**
 * The first ancestor of `dir` that a Stage user cannot pass through (no execute bit for
 * others), or undefined when every one can. Components reach their directories by absolute path.
 */
export function findUnpassableAncestor(dir: string): string | undefined {
  for (let path = dirname(dir); ; path = dirname(path)) {
    try {
      if ((statSync(path).mode & 0o001) === 0) return path;
    } catch {
      return path;
    }
    if (dirname(path) === path) return undefined;
  }
}
