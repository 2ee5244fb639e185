/**
 * The rules of Configuration data, apart from the SQL: names, sizes, and how a change merges
 * into the current entries. Messages name the field at fault and never quote a value.
 */
import { slugProblem } from "../common/slug.js";
import { AppError, badInput, ErrorCode } from "../errors.js";
import { ConfigDataKind } from "./configuration.type.js";

/** An entry as stored in `configuration_versions.data`, secret values included. */
export interface ConfigEntry {
  kind: ConfigDataKind;
  name: string;
  value: string;
  secret: boolean;
  /** Set when `value` is sealed (secret-box.ts); entries stored before encryption have none. */
  encrypted?: boolean;
}

/** `configuration_versions.data`: the whole data of one version. */
export interface ConfigVersionData {
  entries: ConfigEntry[];
}

/** A requested entry; `secret` undefined keeps an existing entry's flag (false for a new one). */
export type EntryChange = Omit<ConfigEntry, "secret"> & { secret?: boolean };

interface EntryInput {
  name: string;
  secret?: boolean | null;
}

export const DEFAULT_CONFIG = "default";
export const MAX_ENTRIES = 500;
export const MAX_VALUE_BYTES = 64 * 1024;
const MAX_ENV_NAME = 256;
const MAX_FILE_NAME = 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// jsonb refuses NUL and unpaired surrogates; let through, the failed query (its parameters,
// secrets included) would be logged as an internal error.
const UNSTORABLE = /[\0\p{Cs}]/u;
const CONTROL = /\p{Cc}/u;

export function checkConfigName(name: string | null | undefined): string {
  const config = name ?? DEFAULT_CONFIG;
  const problem = slugProblem(config);
  if (problem) throw badInput("config", problem);
  return config;
}

export function checkExpectedVersion(expected: number | null | undefined): number | null {
  if (expected == null) return null;
  if (expected < 0) throw badInput("expectedVersion", "must be 0 (not created yet) or a version");
  return expected;
}

/** The entries to add, checked one by one; an empty change is refused. */
export function checkAdditions(
  env: readonly (EntryInput & { value: string })[],
  files: readonly (EntryInput & { content: string })[],
): EntryChange[] {
  if (env.length === 0 && files.length === 0) throw badInput("env", "give at least one env entry or file");
  if (env.length + files.length > MAX_ENTRIES) {
    throw badInput(env.length >= files.length ? "env" : "files", `at most ${MAX_ENTRIES} entries per Configuration`, {
      limit: MAX_ENTRIES,
    });
  }
  const seen = new Set<string>();
  const changes: EntryChange[] = [];
  const take = (at: string, kind: ConfigDataKind, input: EntryInput, value: string, valueField: string) => {
    const nameProblem = kind === ConfigDataKind.ENV ? envNameProblem(input.name) : filePathProblem(input.name);
    if (nameProblem) throw badInput(`${at}.name`, nameProblem);
    if (seen.has(`${kind}:${input.name}`)) throw badInput(`${at}.name`, `"${input.name}" is given twice`);
    seen.add(`${kind}:${input.name}`);
    const valueProblem = textProblem(value);
    if (valueProblem) throw badInput(`${at}.${valueField}`, valueProblem);
    changes.push({ kind, name: input.name, value, secret: input.secret ?? undefined });
  };
  for (const [i, e] of env.entries()) take(`env[${i}]`, ConfigDataKind.ENV, e, e.value, "value");
  for (const [i, f] of files.entries()) take(`files[${i}]`, ConfigDataKind.FILE, f, f.content, "content");
  return changes;
}

export function checkRemovals(names: readonly string[]): string[] {
  if (names.length === 0) throw badInput("names", "name at least one entry to remove");
  return [...new Set(names)];
}

/** Adds or replaces by (kind, name). A secret stays secret unless the change says `secret: false`. */
export function applyAdditions(current: readonly ConfigEntry[], changes: readonly EntryChange[], field: string): ConfigEntry[] {
  const byKey = new Map(current.map((e) => [keyOf(e), e]));
  for (const change of changes) {
    const previous = byKey.get(keyOf(change));
    byKey.set(keyOf(change), { ...change, secret: change.secret ?? previous?.secret ?? false });
  }
  if (byKey.size > MAX_ENTRIES) {
    throw badInput(field, `the Configuration would hold ${byKey.size} entries; at most ${MAX_ENTRIES}`, { limit: MAX_ENTRIES });
  }
  return sortEntries([...byKey.values()]);
}

/** Removes every entry (env and file) of each name; NOT_FOUND names the unknown ones. */
export function applyRemovals(current: readonly ConfigEntry[], names: readonly string[], where: string): ConfigEntry[] {
  const known = new Set(current.map((e) => e.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    const list = unknown.map((n) => `"${n}"`).join(", ");
    throw new AppError(ErrorCode.NOT_FOUND, `${list} not found in ${where}`, { field: "names", names: unknown });
  }
  const removed = new Set(names);
  return current.filter((e) => !removed.has(e.name));
}

function envNameProblem(name: string): string | undefined {
  if (name.length > MAX_ENV_NAME) return `must be at most ${MAX_ENV_NAME} characters`;
  if (!ENV_NAME.test(name)) return "must be letters, digits and underscores, not starting with a digit";
  return undefined;
}

/** Files are written into the Component's file system: no way out of it with `..`. */
function filePathProblem(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (path.length > MAX_FILE_NAME) return `must be at most ${MAX_FILE_NAME} characters`;
  if (UNSTORABLE.test(path) || CONTROL.test(path)) return "must not contain control characters or unpaired surrogates";
  const segments = path.split("/");
  if (segments.includes("..")) return "must not contain `..` segments";
  const last = segments.at(-1);
  if (last === "" || last === ".") return "must name a file, not a directory";
  return undefined;
}

function textProblem(value: string): string | undefined {
  if (UNSTORABLE.test(value)) return "must not contain NUL characters or unpaired surrogates (binary data is not supported)";
  if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) return `must be at most ${MAX_VALUE_BYTES} bytes (64 KiB)`;
  return undefined;
}

const keyOf = (e: Pick<ConfigEntry, "kind" | "name">) => `${e.kind}:${e.name}`;

// Code-unit order, not the locale's: the same data always reads the same way.
function sortEntries(entries: ConfigEntry[]): ConfigEntry[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name));
}
