/**
 * Everything a Component's process gets: its env (resolved from the manifest and the
 * Configuration), its files, its storage and its temp dir. Paths in the manifest are absolute
 * paths of a container; a child process shares the host's file system, so they are placed
 * under per-Component roots instead and announced through env vars.
 *
 * Directories are made synchronously on purpose: a Component's state changes in one tick
 * from "about to start" to "started", so a suspend or stop never lands in between.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { Component } from "../manifest/manifest.type.js";
import type { Launch } from "./child-process.js";
import type { ReleaseSpec } from "./runtime.type.js";
import { chownTreeSync, type StageSandbox, toPathSegments } from "./stage-sandbox.js";
import type { WorkDirCopies } from "./work-dir.js";

/** A Component that cannot start as specified (a missing Configuration entry, say): it FAILS with this message. */
export class LaunchError extends Error {}

/** Which of a Stage's two sets of run dirs and addresses a Release uses (see getComponentDirs). */
export type Color = "blue" | "green";

export interface ComponentDirs {
  /**
   * `<dataDir>/run/<stage>/<component>`: the working directory (`app/`, a copy of the Release's
   * files), files, temp dir and temporary volumes; removed when the process stops.
   */
  run: string;
  /** `<dataDir>/storage/<stage>/<component>`: the standard volumes, kept. */
  storage: string;
}

/**
 * While a new Release starts beside the running one (a rollout, blue/green) the two run in
 * different colours: green's run dirs are under `<dataDir>/run/<stage>/.green/` (no Component
 * can be named so). Storage is the Stage's, whatever the colour.
 */
export function getComponentDirs(dataDir: string, stageKey: string, component: string, color: Color = "blue"): ComponentDirs {
  const stage = toPathSegments(stageKey);
  return {
    run: join(dataDir, "run", ...stage, ...(color === "green" ? [".green"] : []), component),
    storage: join(dataDir, "storage", ...stage, component),
  };
}

/** `PERGOLA_STORAGE_<NAME>`: the volume's name in upper case, `-` as `_` (`cache-v2` → `PERGOLA_STORAGE_CACHE_V2`). */
export function getStorageEnvName(volume: string): string {
  return `PERGOLA_STORAGE_${volume.toUpperCase().replaceAll("-", "_")}`;
}

/** The manifest's `env[]`, resolved. `hosts` maps each Component of the Release to its address. */
export function resolveEnv(component: Component, spec: ReleaseSpec, hosts: Map<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of component.env) {
    if ("componentRef" in entry) {
      const host = hosts.get(entry.componentRef);
      if (host === undefined) throw new LaunchError(`env ${entry.name}: no component ${entry.componentRef}`);
      env[entry.name] = host;
    } else if ("configRef" in entry) {
      const value = spec.config.env[entry.configRef] ?? entry.value;
      if (value === undefined) {
        throw new LaunchError(`env ${entry.name}: config-ref ${entry.configRef} is not in the Configuration and has no default value`);
      }
      env[entry.name] = value;
    } else {
      env[entry.name] = entry.value;
    }
  }
  return env;
}

/** Writes `files[]` under `root`, each at its manifest path made relative (`/etc/a.conf` → `<root>/etc/a.conf`). */
function writeFiles(component: Component, spec: ReleaseSpec, root: string): void {
  for (const file of component.files) {
    const target = resolve(root, `.${file.path}`);
    // A path such as /../../x must not escape the root: it would write anywhere on the host.
    if (relative(root, target).startsWith("..")) throw new LaunchError(`file ${file.path}: outside the files directory`);
    let content: string;
    if ("content" in file) content = file.content;
    else {
      const data = spec.config.files[file.configRef];
      if (data === undefined) throw new LaunchError(`file ${file.path}: config-ref ${file.configRef} is not in the Configuration`);
      content = data;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { mode: 0o600 });
  }
}

export interface LaunchInput {
  component: Component;
  spec: ReleaseSpec;
  host: string;
  hosts: Map<string, string>;
  dirs: ComponentDirs;
  /** Passed to every process before anything else (PATH, typically). */
  baseEnv: Record<string, string>;
  /** Where the Component's working directory (a copy of the sandbox's `appDir`) comes from. */
  copies: WorkDirCopies;
  /** The Stage's user (if any) and where the Release's files are. Default: the runtime's user, files in `spec.appDir`. */
  sandbox?: StageSandbox;
}

/**
 * Creates the Component's directories (a fresh run dir with its own copy of the Release's files
 * as the working directory) and returns how to start it. Call
 * `removeRunDir` when the process has stopped. Throws `LaunchError` when the spec cannot be satisfied.
 */
export function prepareLaunch(input: LaunchInput): Launch {
  const { component, spec, host, dirs } = input;
  const user = input.sandbox?.user;
  if (component.command === undefined) {
    const image = component.docker && "image" in component.docker ? component.docker.image : "built from a Dockerfile";
    throw new LaunchError(`needs a container runtime (docker image ${image}); the process runtime runs commands`);
  }
  const env = resolveEnv(component, spec, input.hosts);
  removeRunDir(dirs);
  const filesDir = join(dirs.run, "files");
  const tmpDir = join(dirs.run, "tmp");
  const homeDir = join(dirs.run, "home");
  const workDir = join(dirs.run, "app");
  mkdirSync(dirs.run, { recursive: true, mode: 0o700 });
  chmodSync(dirs.run, 0o700);
  for (const dir of [filesDir, tmpDir, homeDir]) mkdirSync(dir, { recursive: true });
  writeFiles(component, spec, filesDir);
  const volumes: Record<string, string> = {};
  for (const volume of component.storage) {
    const path = volume.type === "standard" ? join(dirs.storage, volume.name) : join(dirs.run, "temporary", volume.name);
    const created = mkdirSync(path, { recursive: true, mode: 0o700 });
    if (user && created && volume.type === "standard") chownTreeSync(created, user);
    volumes[getStorageEnvName(volume.name)] = path;
  }
  // Everything the process is given is its own (its files are 0600), and nobody else's.
  if (user) chownTreeSync(dirs.run, user);
  // Its own copy of the Release's files (work-dir.ts), already owned by the Stage's user.
  input.copies.take(workDir);
  const port = component.ports[0];
  return {
    command: component.command,
    args: component.args,
    cwd: workDir,
    ...(user && { uid: user.uid, gid: user.gid }),
    ...(spec.nice ? { nice: spec.nice } : {}),
    // The runtime's own variables come last: HOST must be the address the Component was given.
    env: {
      ...input.baseEnv,
      HOME: homeDir,
      ...env,
      HOST: host,
      ...(port !== undefined && { PORT: String(port) }),
      PERGOLA_FILES_DIR: filesDir,
      TMPDIR: tmpDir,
      ...volumes,
    },
  };
}

let trashCount = 0;

/**
 * Discards the temp dir, temporary volumes and written files (they may hold secrets). The
 * directory is renamed at once and deleted in the background, so a large temporary volume
 * does not block, and a restart right after gets a fresh, empty directory.
 */
export function removeRunDir(dirs: ComponentDirs): void {
  if (!existsSync(dirs.run)) return;
  trashCount += 1;
  const trash = `${dirs.run}.removing-${process.pid}-${trashCount}`;
  renameSync(dirs.run, trash);
  void rm(trash, { recursive: true, force: true });
}
