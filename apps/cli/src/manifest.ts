/** Finding and reading a directory's manifest: pergola.yaml, pergola.yml or pergola.json. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { badInput } from "./errors.js";

export const MANIFEST_FILES = ["pergola.yaml", "pergola.yml", "pergola.json"];

/** `path` is a manifest file or a directory holding one. */
export function findManifest(path: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw badInput(`${path}: no such file or directory`);
  }
  if (!isDir) return path;
  for (const name of MANIFEST_FILES) {
    const file = join(path, name);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // try the next name
    }
  }
  throw badInput(`no manifest in ${path}: expected ${MANIFEST_FILES.join(", ")}`);
}

export function readManifest(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return file.endsWith(".json") ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw badInput(`${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`);
  }
}
