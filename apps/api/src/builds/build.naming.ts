/**
 * Build names as Pergola gives them: `<branch>_b<n>` (`master_b2`) with a branch, `b<n>`
 * without; `n` counts the Project's Builds of that branch. An explicit name may replace it.
 */
import { badInput } from "../errors.js";

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkBranch(branch: string | null | undefined): string | null {
  if (branch == null || branch === "") return null;
  if (!BRANCH.test(branch) || branch.includes("..")) {
    throw badInput("branch", "must be a git branch name: letters, digits, and . _ / -, at most 100 characters");
  }
  return branch;
}

export function checkBuildName(name: string | null | undefined): string | null {
  if (name == null) return null;
  if (!NAME.test(name))
    throw badInput("name", "must be letters, digits, and . _ -, starting with a letter or digit, at most 100 characters");
  return name;
}

export function deriveBuildName(branch: string | null, number: number): string {
  return branch ? `${branch.replace(/\//g, "-")}_b${number}` : `b${number}`;
}
