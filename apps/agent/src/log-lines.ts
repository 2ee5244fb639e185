/**
 * Shipping Components' output to the API a little at a time: each report carries the lines
 * written since the last accepted one (Runtime.logsSince positions), within a size budget,
 * because the socket takes messages up to 64 KiB and a chatty process must not break reports.
 */
import type { Runtime } from "@pergola/runtime";

/** Output shipped in one report, at most, in characters. */
export const LOG_CHARS_PER_REPORT = 24 * 1024;
/** A longer line is cut (and marked with "…"). */
export const LOG_LINE_CHARS = 1000;

/**
 * The newest lines that fit in `budget` characters, each cut at LOG_LINE_CHARS, a NUL shown as
 * U+FFFD (the API refuses a NUL: it cannot be stored, and a report holding one would fail forever).
 */
export function fitLines(lines: string[], budget: number): string[] {
  const kept: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const whole = lines[i]!.replaceAll("\0", "\ufffd");
    const line = whole.length > LOG_LINE_CHARS ? `${whole.slice(0, LOG_LINE_CHARS)}…` : whole;
    budget -= line.length + 1;
    if (budget < 0) break;
    kept.unshift(line);
  }
  return kept;
}

/**
 * The lines after position `after`; a position beyond the buffer's means the Component's
 * runner is new (the agent started it again), so everything it kept is new.
 */
export function readNewLines(runtime: Pick<Runtime, "logsSince">, stageKey: string, component: string, after: number) {
  const read = runtime.logsSince(stageKey, component, after);
  return read.next < after ? runtime.logsSince(stageKey, component, 0) : read;
}
