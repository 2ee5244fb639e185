/**
 * What every answer of the API must be, whatever was asked: no 5xx, no INTERNAL_SERVER_ERROR,
 * nothing of the runtime, the driver or the file system in it, and within 2 s.
 */
import type { FuzzRequest } from "./documents.js";

export const ANSWER_WITHIN_MS = 2_000;

/**
 * The API's graphql-ws message limit (apps/api/src/graphql/ws.ts, 64 KiB): a bigger message is
 * a protocol violation WebSocket itself answers by closing with 1009, the one close allowed.
 */
const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

function messageBytes(request: FuzzRequest): number {
  const message = {
    id: "00000000-0000-0000-0000-000000000000",
    type: "subscribe",
    payload: { query: request.query, variables: request.variables ?? {} },
  };
  return Buffer.byteLength(JSON.stringify(message));
}

export interface Answer {
  transport: "http" | "ws";
  /** HTTP status; over graphql-ws, the close code if the server closed the socket. */
  status?: number;
  closeCode?: number;
  /** The answer as received (HTTP body, or graphql-ws payloads joined). */
  text: string;
  codes: string[];
  ms: number;
  timedOut: boolean;
}

/**
 * Text that only a leak puts in an answer: stack frames, engine and driver messages, paths of
 * this machine. The request's own strings are removed first, since messages may quote them.
 */
const LEAKS: [string, RegExp][] = [
  ["stack frame", /\bat (?:async )?[\w$.<>]+ \(|\bat (?:file:\/\/|node:|\/)[^\s]*:\d+:\d+/],
  ["source location", /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/],
  ["node internals", /node:internal|node_modules/],
  ["this machine's paths", new RegExp(escapeRegExp(process.cwd()))],
  ["engine error", /Maximum call stack|Cannot read propert|is not a function|TypeError|ReferenceError|RangeError|out of memory/],
  [
    "database message",
    /invalid byte sequence|violates .* constraint|duplicate key value|relation "|column "|syntax error at or near|invalid input syntax for|value too long for type|out of range for type|unterminated quoted|PGlite|postgres|drizzle/i,
  ],
  // Case matters here: "StageConnection" holds "eConn".
  ["driver error code", /\bECONN[A-Z]+\b|\bSQLSTATE\b/],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function stringsOf(request: FuzzRequest): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") found.push(value, JSON.stringify(value).slice(1, -1));
    else if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === "object") for (const v of Object.values(value)) walk(v);
  };
  walk(request.variables ?? {});
  for (const literal of request.query.match(/"(?:[^"\\]|\\.)*"/g) ?? []) found.push(literal.slice(1, -1));
  return found.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** The first broken rule, or undefined when the answer is one the API may give. */
export function problemWith(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.timedOut) return `no answer within ${ANSWER_WITHIN_MS} ms`;
  if (answer.ms > ANSWER_WITHIN_MS) return `answered after ${Math.round(answer.ms)} ms`;
  if (answer.status !== undefined && answer.status >= 500) return `HTTP ${answer.status}`;
  if (answer.closeCode !== undefined && !(answer.closeCode === 1009 && messageBytes(request) > WS_MAX_PAYLOAD_BYTES)) {
    return `the server closed the socket with ${answer.closeCode}`;
  }
  if (answer.codes.includes("INTERNAL_SERVER_ERROR")) return "INTERNAL_SERVER_ERROR";
  let text = answer.text;
  for (const own of stringsOf(request)) text = text.split(own).join("");
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(text);
    if (match) return `${what} in the answer: …${text.slice(Math.max(0, match.index - 60), match.index + 80)}…`;
  }
  return undefined;
}

/** Error codes anywhere in a GraphQL answer (`errors[].extensions.code`). */
export function codesIn(payload: unknown): string[] {
  const errors = (payload as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors;
  return Array.isArray(errors) ? errors.map((e) => String(e?.extensions?.code)) : [];
}
