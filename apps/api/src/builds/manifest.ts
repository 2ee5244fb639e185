/** The manifest rules live in @pergola/runtime (the agent reads manifests too); this is the API's edge. */
import { validateManifest, type Problem } from "@pergola/runtime";
import { AppError, ErrorCode } from "../errors.js";

export type ManifestProblem = Problem;

export function manifestProblems(manifest: unknown): ManifestProblem[] {
  return validateManifest(manifest).problems;
}

/** BAD_USER_INPUT listing every problem, each with its path (`components[2].scheduled: …`). */
export function checkManifest(manifest: unknown): void {
  const problems = manifestProblems(manifest);
  if (problems.length === 0) return;
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  throw new AppError(ErrorCode.BAD_USER_INPUT, `manifest: ${problems.length} problem(s): ${lines.join("; ")}`, {
    field: "manifest",
    problems,
  });
}
