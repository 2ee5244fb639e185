/** Finding and reading a directory's manifest: pergola.yaml, pergola.yml or pergola.json. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { badInput, CliError } from "./errors.js";

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

/** A pergola.yaml is a few KB; anything over this is not one (and is not read into memory). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * The manifest as data, or a BAD_INPUT error that says what is wrong with the file: too big,
 * unreadable, binary, not UTF-8, not YAML/JSON (with the line), or not a mapping.
 */
export function readManifest(file: string): unknown {
  const bytes = readBytes(file);
  if (bytes.includes(0)) throw badInput(`${file} is a binary file, not a manifest`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badInput(`${file} is not UTF-8 text`);
  }
  const format = file.endsWith(".json") ? "JSON" : "YAML";
  let value: unknown;
  try {
    value = format === "JSON" ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw badInput(`${file} is not valid ${format}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const what = value === null ? "empty" : Array.isArray(value) ? "a list" : `a ${typeof value}`;
    throw badInput(`${file}: a manifest is a mapping (version, components), not ${what}`);
  }
  return value;
}

function readBytes(file: string): Buffer {
  try {
    const { size } = statSync(file);
    if (size > MAX_MANIFEST_BYTES) throw badInput(`${file} has ${size} bytes; a manifest is at most ${MAX_MANIFEST_BYTES} (1 MiB)`);
    return readFileSync(file);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw badInput(`${file} cannot be read${code ? ` (${code})` : ""}`);
  }
}
