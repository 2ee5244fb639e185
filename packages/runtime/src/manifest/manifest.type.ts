/**
 * The normalized `pergola.yaml` v1 manifest: what validation returns when there is no
 * problem. Keys are camelCase here (`configRef`), kebab-case in the file (`config-ref`);
 * defaults are applied and every list is present (empty when the file has none).
 */
import type { ComponentKind } from "@pergola/schema";
import type { Problem } from "./problems.js";

export type ManifestResult = { valid: true; manifest: Manifest; problems: [] } | { valid: false; problems: Problem[] };

export interface Manifest {
  version: "v1";
  components: Component[];
}

/** From `scheduled`: none → SERVICE, `@release` → JOB, a cron expression → CRON. */
export type { ComponentKind };

export interface Component {
  /** A DNS label, unique in the manifest; other Components reach it by this name (`component-ref`). */
  name: string;
  kind: ComponentKind;
  /**
   * As written. A string is a shell line (run through `/bin/sh -c`); a list is a program and
   * its arguments, run directly. Absent for a Component that has only `docker`, which only a
   * container runtime can run (see `needsContainerRuntime`).
   */
  command?: string | string[];
  /** Appended to `command`. */
  args: string[];
  env: EnvVar[];
  files: FileMount[];
  /** The ports the Component listens on, unique. */
  ports: number[];
  ingresses: Ingress[];
  storage: Storage[];
  /** A cron expression (5 fields, UTC) for a CRON Component, `@release` for a JOB. */
  scheduled?: string;
  /** JOB only: how often a failed run is retried, with back-off. Default 3 (Pergola's). */
  maxRetries?: number;
  scaling?: Scaling;
  resources?: Resources;
  docker?: Docker;
  /** The name of a Workload Identity of the Stage (Pergola); kept, unused by the process runtime. */
  identity?: string;
  /** Our addition: the probe that decides the Component's health. */
  health?: Health;
}

/**
 * One environment variable: a fixed value, a Configuration entry (`config-ref`, with `value`
 * as its default when the Configuration lacks it), or another Component's host (`component-ref`).
 */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; configRef: string; value?: string }
  | { name: string; componentRef: string };

/** A file placed at an absolute path: a Configuration file (`config-ref`) or inline `content`. */
export type FileMount = { path: string; configRef: string } | { path: string; content: string };

/** A shareable link: `host` (a DNS label), `path` (default `/`), to one of the Component's ports. */
export interface Ingress {
  host: string;
  path: string;
  port: number;
}

export type StorageType = "standard" | "temporary";

/** A volume at an absolute path. `standard` (default) outlives restarts, suspends and Releases; `temporary` does not. */
export interface Storage {
  name: string;
  path: string;
  /** As written (`1Gi`, `500Mi`), and in bytes. */
  size: string;
  sizeBytes: number;
  type: StorageType;
}

/** Pergola's replica bounds; kept for runtimes that scale (the process runtime runs one instance). */
export interface Scaling {
  min?: number;
  max?: number;
}

/** Pergola's resource requests (`cpu: 500m`, `memory: 2Gi`), kept as written. */
export interface Resources {
  cpu?: string;
  memory?: string;
}

/** How a container runtime gets the image: a published `image`, or a Dockerfile (`file`) to build. */
export type Docker = { image: string } | { file: string; buildContext: string; buildArgs: { name: string; value: string }[] };

export type HealthProbe = { http: { path: string; port: number } } | { command: string | string[] };

/**
 * The probe runs every `intervalMs`, fails after `timeoutMs`; `threshold` failures in a row make
 * the Component UNHEALTHY, one success makes it HEALTHY. Defaults: 10 s, 5 s, 3.
 */
export type Health = HealthProbe & { intervalMs: number; timeoutMs: number; threshold: number };
