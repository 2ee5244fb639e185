/**
 * Packs an application directory as the tar.gz a Build's artifact is: every file, minus what
 * the directory's `.gitignore` files exclude (each applies to its own directory and below, as
 * in git) and minus `.git`. Paths are relative and the archive is portable (no owners, no
 * mtimes), so the same files give the same SHA-256.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ignore, { type Ignore } from "ignore";
import { create } from "tar";

interface Rules {
  /** The directory the .gitignore is in, relative to the root ("" for the root). */
  base: string;
  ignore: Ignore;
}

/** The files to pack, relative to `root`, sorted. */
export function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, rules: Rules[]) => {
    const abs = join(root, dir);
    let own = rules;
    try {
      own = [...rules, { base: dir, ignore: ignore().add(readFileSync(join(abs, ".gitignore"), "utf8")) }];
    } catch {
      // no .gitignore here
    }
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === ".git") continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      const ignored = own.some((r) =>
        r.ignore.ignores(
          `${relative(r.base || ".", rel)
            .split("\\")
            .join("/")}${isDir ? "/" : ""}`,
        ),
      );
      if (ignored) continue;
      if (isDir) walk(rel, own);
      else files.push(rel);
    }
  };
  walk("", []);
  return files;
}

export async function packDirectory(root: string): Promise<{ bytes: Buffer; files: string[] }> {
  const files = listFiles(root);
  const chunks: Buffer[] = [];
  const stream = create({ gzip: true, cwd: root, portable: true, noMtime: true }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { bytes: Buffer.concat(chunks), files };
}
