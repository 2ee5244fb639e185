/**
 * Readers for manifest values: each returns the value when it has the right shape, and
 * otherwise reports at the scope's path and returns undefined, so the caller goes on checking
 * the rest. `null` counts as absent (YAML's `env:` with nothing after it).
 */
import { type Scope, suggestKey } from "./problems.js";

export type Fields = Record<string, unknown>;

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object whose keys are all among `known`; each unknown key is a problem of its own. */
export function readFields(value: unknown, scope: Scope, known: readonly string[]): Fields | undefined {
  if (!isFields(value)) {
    scope.report("must be an object");
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = suggestKey(key, known);
    scope.at(key).report(suggestion ? `unknown field (did you mean ${suggestion}?)` : "unknown field");
  }
  return value;
}

/** A string; empty only where `allowEmpty` (an env value or a file's content may be ""). */
export function readString(value: unknown, scope: Scope, allowEmpty = false): string | undefined {
  if (typeof value !== "string") {
    scope.report(
      typeof value === "number" || typeof value === "boolean"
        ? `must be a string (write "${String(value)}" in quotes)`
        : "must be a string",
    );
    return undefined;
  }
  if (!allowEmpty && value.trim() === "") {
    scope.report("must not be empty");
    return undefined;
  }
  return value;
}

export function readRequiredString(fields: Fields, key: string, scope: Scope): string | undefined {
  if (!isPresent(fields[key])) {
    scope.at(key).report("required");
    return undefined;
  }
  return readString(fields[key], scope.at(key));
}

export function readOptionalString(fields: Fields, key: string, scope: Scope): string | undefined {
  return isPresent(fields[key]) ? readString(fields[key], scope.at(key)) : undefined;
}

export function readInteger(value: unknown, scope: Scope, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    scope.report("must be an integer");
    return undefined;
  }
  if (value < min || value > max) {
    scope.report(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`);
    return undefined;
  }
  return value;
}

/** A list; `read` is called for each item with its own scope (`env[3]`), and its undefined results are dropped. */
export function readList<T>(value: unknown, scope: Scope, read: (item: unknown, scope: Scope) => T | undefined): T[] {
  if (!isPresent(value)) return [];
  if (!Array.isArray(value)) {
    scope.report("must be a list");
    return [];
  }
  const items: T[] = [];
  value.forEach((item, index) => {
    const result = read(item, scope.at(index));
    if (result !== undefined) items.push(result);
  });
  return items;
}

export function readStringList(value: unknown, scope: Scope, allowEmpty = false): string[] | undefined {
  if (!Array.isArray(value)) {
    scope.report("must be a list of strings");
    return undefined;
  }
  const before = scope.count;
  const items = readList(value, scope, (item, itemScope) => readString(item, itemScope, allowEmpty));
  return scope.count === before ? items : undefined;
}

/** `command`: a shell line (string) or a program with its arguments (list of strings). */
export function readCommand(value: unknown, scope: Scope): string | string[] | undefined {
  if (typeof value === "string") return readString(value, scope);
  if (!Array.isArray(value)) {
    scope.report("must be a string or a list of strings");
    return undefined;
  }
  if (value.length === 0) {
    scope.report("must not be empty");
    return undefined;
  }
  const argv = readStringList(value, scope, true);
  if (argv?.[0]?.trim() === "") {
    scope.at(0).report("must not be empty");
    return undefined;
  }
  return argv;
}

/** Reports each value seen before (`what` names it: `duplicate port 8080`). */
export function reportDuplicates<T>(items: readonly { value: T; scope: Scope }[], what: (value: T) => string): void {
  const seen = new Map<T, Scope>();
  for (const { value, scope } of items) {
    const first = seen.get(value);
    if (first) scope.report(`${what(value)} (also at ${first.path})`);
    else seen.set(value, scope);
  }
}

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** A required DNS label (RFC 1123): Component names and ingress hosts become parts of host names. */
export function readDnsLabel(fields: Fields, key: string, scope: Scope): string | undefined {
  const value = readRequiredString(fields, key, scope);
  if (value !== undefined && !DNS_LABEL.test(value)) {
    scope.at(key).report("not a DNS label (at most 63 lowercase letters, digits and -, starting and ending with a letter or digit)");
    return undefined;
  }
  return value;
}
