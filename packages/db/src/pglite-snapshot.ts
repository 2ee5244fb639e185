/**
 * A new PGlite data dir starts from a migrated, empty database made when the package is built
 * (`dist/migrated-pglite.tar.gz`, written by `write-pglite-snapshot.ts` after tsc) instead of
 * running PGlite's initdb and every migration at its first start: the API's first start on a new
 * data dir took ~8 s, of which ~6 s were those two (bench coldstart). The migrations are still
 * applied on open, so any made after the snapshot run then; without the file (a build that did
 * not write it) a new data dir is made the slow way, as before.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

/** Beside the compiled code, and found from src/ too (tests): both are one level below the package. */
export const BUILT_SNAPSHOT_FILE = fileURLToPath(new URL("../dist/migrated-pglite.tar.gz", import.meta.url));

/**
 * The built snapshot as PGlite's `loadDataDir` takes it, or undefined when there is none.
 * Inflated here (zlib, off the main thread) rather than by PGlite, which does it in JS.
 */
export async function readBuiltSnapshot(file = BUILT_SNAPSHOT_FILE): Promise<Blob | undefined> {
  let gzipped: Buffer;
  try {
    gzipped = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return new Blob([await promisify(gunzip)(gzipped)], { type: "application/x-tar" });
}
