/**
 * The manifest rules live in @pergola/runtime (the agent reads manifests too); this is the API's edge.
 * They are imported on first use, not with the API: no request at start-up needs them, and with
 * them come a cron parser and ~20 modules the start would otherwise compile (bench coldstart).
 */
import type { ManifestResult, Problem } from "@pergola/runtime/manifest";
import { AppError, ErrorCode } from "../errors.js";

export type ManifestProblem = Problem;

let rules: Promise<typeof import("@pergola/runtime/manifest")> | undefined;

/** `validateManifest` of @pergola/runtime: the normalized Manifest, or every problem at its path. */
export async function validateManifest(manifest: unknown): Promise<ManifestResult> {
  rules ??= import("@pergola/runtime/manifest");
  return (await rules).validateManifest(manifest);
}

export async function manifestProblems(manifest: unknown): Promise<ManifestProblem[]> {
  return (await validateManifest(manifest)).problems;
}

/** BAD_USER_INPUT listing every problem, each with its path (`components[2].scheduled: …`). */
export async function checkManifest(manifest: unknown): Promise<void> {
  const problems = await manifestProblems(manifest);
  if (problems.length === 0) return;
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  throw new AppError(ErrorCode.BAD_USER_INPUT, `manifest: ${problems.length} problem(s): ${lines.join("; ")}`, {
    field: "manifest",
    problems,
  });
}
