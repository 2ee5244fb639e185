/**
 * What an artifact's archive may hold, judged on resolved paths rather than strings: the API
 * checks uploads with these rules and the agent checks downloads with the same ones, before
 * anything is unpacked. Every entry is a file, a directory or a link whose path, once `.` and
 * `..` are resolved and the archive's own symbolic links followed (chains included), stays inside
 * the archive's root. The judge sees the entries in order; links are resolved at the end, since
 * a link may go through links packed after it.
 */

/** Why an entry is refused: its path as the archive names it, and the reason in words. */
export interface ArchiveProblem {
  entry: string;
  reason: string;
}

/** The entry types an artifact may hold; devices, FIFOs and the like are refused. */
const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);
/** As Linux's ELOOP: a chain of more links than this is refused as a loop. */
const MAX_LINK_HOPS = 40;

type Kind = "file" | "directory" | "symlink";

export class ArchiveJudge {
  /** Each entry by its normalized path ("a/b"; the root is ""). */
  private readonly entries = new Map<string, { kind: Kind; linkpath?: string; name: string }>();
  /** Directories that entries were packed under, declared or not. */
  private readonly parents = new Set<string>();

  /** The problem with this entry, or undefined when it may be unpacked. */
  admit(name: string, type: string, linkpath?: string): ArchiveProblem | undefined {
    const refuse = (reason: string) => ({ entry: name, reason });
    if (!ALLOWED_TYPES.has(type)) return refuse(`entries of type ${type} are not allowed`);
    const path = normalizeEntryPath(name);
    if (path === undefined) return refuse("escapes the archive's root");
    if (path === "") return type === "Directory" ? undefined : refuse("names the archive's root");
    const kind: Kind = type === "Directory" ? "directory" : type === "SymbolicLink" ? "symlink" : "file";

    const segments = path.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = this.entries.get(segments.slice(0, i).join("/"));
      if (parent?.kind === "symlink") return refuse(`is written through the symbolic link ${parent.name}`);
      if (parent?.kind === "file") return refuse(`is inside ${parent.name}, which is a file`);
    }
    const earlier = this.entries.get(path);
    if (earlier && !(earlier.kind === "directory" && kind === "directory"))
      return refuse(`appears twice in the archive (first as ${earlier.name})`);
    if (kind !== "directory" && this.parents.has(path)) return refuse("is a directory of earlier entries");

    if (type === "SymbolicLink" && linkpath === undefined) return refuse("is a symbolic link without a target");
    if (type === "Link") {
      // A hard link names another entry of the archive, from its root: it must be a file packed before it.
      const target = linkpath === undefined ? undefined : normalizeEntryPath(linkpath);
      if (target === undefined) return refuse(`links outside the archive's root (${linkpath ?? "no target"})`);
      if (this.entries.get(target)?.kind !== "file") return refuse(`is a hard link to ${linkpath}, which is not a file packed before it`);
    }
    for (let i = 1; i < segments.length; i++) this.parents.add(segments.slice(0, i).join("/"));
    this.entries.set(path, { kind, name, linkpath: type === "SymbolicLink" ? linkpath : undefined });
    return undefined;
  }

  /** Once every entry is in: each symbolic link must resolve inside the root. */
  finish(): ArchiveProblem | undefined {
    for (const [path, entry] of this.entries) {
      if (entry.kind !== "symlink") continue;
      const outcome = this.resolve(parentOf(path), entry.linkpath!);
      if (outcome === "outside") return { entry: entry.name, reason: `links outside the archive's root (${entry.linkpath})` };
      if (outcome === "loop") return { entry: entry.name, reason: `is a loop of symbolic links (${entry.linkpath})` };
    }
    return undefined;
  }

  /**
   * Where `target`, read from the directory `from`, leads once the archive's links are followed
   * as the kernel would follow them after unpacking. A target that is absent is fine, so long as
   * reaching it never leaves the root.
   */
  private resolve(from: string, target: string): "inside" | "outside" | "loop" {
    if (isAbsolute(target)) return "outside";
    // Walked front to back; a link met on the way is replaced by its target.
    const pending = [...from.split("/").filter(Boolean), ...target.split("/")];
    const resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.shift()!;
      if (segment === "" || segment === ".") continue;
      if (segment === "..") {
        if (resolved.length === 0) return "outside";
        resolved.pop();
        continue;
      }
      resolved.push(segment);
      const entry = this.entries.get(resolved.join("/"));
      if (entry?.kind !== "symlink") continue;
      if (++hops > MAX_LINK_HOPS) return "loop";
      if (isAbsolute(entry.linkpath!)) return "outside";
      resolved.pop();
      pending.unshift(...entry.linkpath!.split("/"));
    }
    return "inside";
  }
}

/** "a/./b/" → "a/b"; undefined for an absolute path or one that climbs above the root. */
function normalizeEntryPath(name: string): string | undefined {
  if (isAbsolute(name) || name.includes("\0")) return undefined;
  const out: string[] = [];
  // A backslash separates on Windows: an agent there must not read `..\x` as a way out.
  for (const segment of name.split(/[\\/]/)) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return undefined;
    out.push(segment);
  }
  return out.join("/");
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path);
}

function parentOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}
