/**
 * What commands print: a human table by default (Pergola's box-drawn tables, enum values in
 * lower case, times as "29 seconds ago"), or the API's own objects with `-o json` / `-o yaml`.
 * Tables and messages go to stdout; spinners and progress go to stderr.
 */
import { ago as sharedAgo, parseDuration as parseSharedDuration } from "@pergola/schema/time";
import Table from "cli-table3";
import { stringify } from "yaml";
import { badInput } from "./errors.js";

export type OutputFormat = "table" | "json" | "yaml";

export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "json", "yaml"];

export function parseFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw badInput(`-o ${value}: choose table, json or yaml`);
}

export type Cell = string | number | boolean | null | undefined;

/** A box-drawn table; `title` goes on the line above (`stages (my-new-project)`). */
export function renderTable(columns: string[], rows: Cell[][], title?: string): string {
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map((c) => (c === null || c === undefined || c === "" ? "-" : String(c))));
  return `${title ? `${title}\n` : ""}${table.toString()}`;
}

/** `key: value` lines, for one object. */
export function renderFacts(facts: [string, Cell][]): string {
  const width = Math.max(...facts.map(([k]) => k.length));
  return facts.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n");
}

export function renderData(data: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(data, null, 2) : stringify(data).trimEnd();
}

/** Prints `data` as JSON/YAML, or the human view `human()` returns. */
export function print(format: OutputFormat, data: unknown, human: () => string): void {
  process.stdout.write(`${format === "table" ? human() : renderData(data, format)}\n`);
}

/** One record of a stream (events, watch): one JSON line, one YAML document, or the human line. */
export function printRecord(format: OutputFormat, data: unknown, human: () => string): void {
  if (format === "json") process.stdout.write(`${JSON.stringify(data)}\n`);
  else if (format === "yaml") process.stdout.write(`---\n${stringify(data)}`);
  else process.stdout.write(`${human()}\n`);
}

export function lower(value: string | null | undefined): string {
  return value ? value.toLowerCase() : "-";
}

/** "29 seconds ago", "3 minutes ago", "2 days ago"; "-" for no time. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  return sharedAgo(iso, now, "-");
}

/** "5m", "30s", "1h30m", or a bare number of seconds ("90") → milliseconds. */
export function parseDuration(value: string): number {
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : parseSharedDuration(value);
  if (ms === undefined) throw badInput(`"${value}" is not a duration (e.g. 30s, 5m, 1h)`);
  return ms;
}
