import { posix } from "node:path";

const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/**
 * What an artifact's tar entry may be: a file, directory or link that stays inside the
 * archive's root. The API checks uploads with it and the agent checks downloads: one rule.
 */
export function getArchiveEntryProblem(path: string, type: string, linkpath?: string): string | undefined {
  if (!ALLOWED_TYPES.has(type)) return `${path}: entries of type ${type} are not allowed`;
  if (escapes(path) || path.split(/[\\/]/).includes("..")) return `${path}: escapes the archive's root`;
  if (type === "SymbolicLink" && linkpath !== undefined) {
    const target = linkpath.startsWith("/") ? linkpath : posix.join(posix.dirname(path), linkpath);
    if (escapes(target)) return `${path}: links outside the archive's root (${linkpath})`;
  }
  if (type === "Link" && linkpath !== undefined && (escapes(linkpath) || linkpath.split("/").includes(".."))) {
    return `${path}: links outside the archive's root (${linkpath})`;
  }
  return undefined;
}

function escapes(path: string): boolean {
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return true;
  const normalized = posix.normalize(path.replace(/\\/g, "/"));
  return normalized === ".." || normalized.startsWith("../");
}

