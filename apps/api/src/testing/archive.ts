import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";

/** A tar.gz of `files` (path → content), made with node-tar like `pergola push build` will. */
export async function makeArchive(files: Record<string, string>, extra?: (root: string) => string[]): Promise<Buffer> {
  const root = mkdtempSync(join(tmpdir(), "pergola-art-"));
  const app = join(root, "app");
  mkdirSync(app);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(app, path, ".."), { recursive: true });
    writeFileSync(join(app, path), content);
  }
  const out = join(root, "out.tar.gz");
  const entries = [...Object.keys(files), ...(extra?.(app) ?? [])];
  await create({ gzip: true, file: out, cwd: app, preservePaths: true, portable: true }, entries);
  return readFileSync(out);
}

