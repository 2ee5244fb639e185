/** Artifacts as files: `<dir>/<aa>/<sha256>.tar.gz` (aa: the hash's first two digits). */
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "./artifact-store.js";

export class DiskArtifactStore implements ArtifactStore {
  readonly kind = "disk";

  constructor(private readonly dir: string) {}

  private pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.tar.gz`);
  }

  async put(sha256: string, path: string): Promise<void> {
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
    // Uploads are staged under the same directory (artifact.service.ts): a rename, atomic.
    await rename(path, this.pathOf(sha256));
  }

  async open(sha256: string) {
    const path = this.pathOf(sha256);
    const info = await stat(path).catch(() => null);
    return info ? { stream: createReadStream(path), size: info.size } : null;
  }

  async has(sha256: string): Promise<boolean> {
    return (await stat(this.pathOf(sha256)).catch(() => null)) !== null;
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}
