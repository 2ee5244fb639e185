/**
 * Components as the agent reports them. People's commands (restart, stop, start, run) only ask
 * the agent (component-control.machine.ts); each accepted report replaces what the agent said
 * before. The machine decides what a report changes: a change of
 * state, health, restarts, message or host is news (a COMPONENT_CHANGED event); new output
 * lines alone are stored and signalled to log followers, never logged as an event.
 */
import { COMPONENT_HEALTHS, COMPONENT_KINDS, COMPONENT_STATES, type ComponentState, isOneOf } from "@pergola/schema";
import { EventKind } from "../events/event-kind.js";
import { ErrorCode } from "../errors.js";
import type { Outcome, Refusal } from "./outcome.js";

/** States in which a Component still holds on to something: a Stage is not suspended while one is. */
const ACTIVE_COMPONENT_STATES: ReadonlySet<string> = new Set<ComponentState>(["PENDING", "STARTING", "RUNNING", "STOPPING", "CRASHLOOP"]);

/** At most this many characters of a Component's message. */
export const MAX_COMPONENT_MESSAGE = 4000;
/** At most this many characters in one line of output (the agent cuts its lines at 1,000). */
export const MAX_LOG_LINE_CHARS = 4096;

const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

export interface ObservedComponent {
  name: string;
  kind: string;
  state: string;
  health: string;
  observedAt?: Date | null;
  restarts: number;
  host?: string | null;
  message?: string | null;
  /** Lines of output written since the agent's last accepted report (the newest ones, when many). */
  logs?: string[] | null;
}

/** What is kept of a Component between reports. */
export interface ComponentFacts {
  kind: string;
  state: string;
  health: string;
  /** The last verdict other than UNKNOWN: shown while nobody can see the Component. */
  lastKnownHealth: string | null;
  observedAt: Date | null;
  restarts: number;
  host: string | null;
  message: string | null;
  /** The newest `maxLogLines` lines of output, and how many were ever reported. */
  logs: string[];
  logsTotal: number;
}

export type ComponentEvent =
  | { kind: typeof EventKind.COMPONENT_CHANGED }
  /** Not an event of the log: after commit, followers of this Component's output are signalled. */
  | { kind: "OUTPUT"; lines: number };

export type ComponentOutcome = Outcome<ComponentFacts, ComponentEvent>;

export function isActiveComponent(state: string): boolean {
  return ACTIVE_COMPONENT_STATES.has(state);
}

const NEWS = ["state", "health", "restarts", "message", "host"] as const;

/** `before`: null for a Component the Release did not have yet. */
export function stepComponent(
  before: ComponentFacts | null,
  reported: ObservedComponent,
  maxLogLines: number,
  index = 0,
): ComponentOutcome {
  const refused = checkComponent(reported, index, maxLogLines);
  if (refused) return { refused };
  const lines = reported.logs ?? [];
  const next: ComponentFacts = {
    kind: reported.kind,
    state: reported.state,
    health: reported.health,
    lastKnownHealth: reported.health !== "UNKNOWN" ? reported.health : (before?.lastKnownHealth ?? null),
    observedAt: reported.observedAt ?? null,
    restarts: reported.restarts,
    host: reported.host ?? null,
    message: reported.message ?? null,
    logs: lines.length ? [...(before?.logs ?? []), ...lines].slice(-maxLogLines) : (before?.logs ?? []),
    logsTotal: (before?.logsTotal ?? 0) + lines.length,
  };
  const events: ComponentEvent[] = [];
  if (!before || NEWS.some((k) => before[k] !== next[k])) events.push({ kind: EventKind.COMPONENT_CHANGED });
  if (lines.length) events.push({ kind: "OUTPUT", lines: lines.length });
  return { next, events };
}

/** Why a reported Component is malformed (the field at fault is `components[<index>].<field>`), if it is. */
export function checkComponent(c: ObservedComponent, index: number, maxLogLines: number): Refusal | null {
  const bad = (field: string, message: string): Refusal => {
    const at = `components[${index}].${field}`;
    return { code: ErrorCode.BAD_USER_INPUT, message: `${at}: ${message}`, details: { field: at } };
  };
  if (!isOneOf(COMPONENT_KINDS, c.kind)) return bad("kind", `"${c.kind}" is not SERVICE, JOB or CRON`);
  if (!isOneOf(COMPONENT_STATES, c.state)) return bad("state", `"${c.state}" is not a Component state`);
  if (!isOneOf(COMPONENT_HEALTHS, c.health)) return bad("health", `"${c.health}" is not HEALTHY, UNHEALTHY or UNKNOWN`);
  if (!Number.isInteger(c.restarts) || c.restarts < 0) return bad("restarts", "must be a whole number ≥ 0");
  if ((c.message?.length ?? 0) > MAX_COMPONENT_MESSAGE) return bad("message", `at most ${MAX_COMPONENT_MESSAGE} characters`);
  if ((c.logs?.length ?? 0) > maxLogLines) return bad("logs", `at most ${maxLogLines} lines`);
  const longLine = c.logs?.findIndex((line) => line.length > MAX_LOG_LINE_CHARS) ?? -1;
  if (longLine >= 0) return bad(`logs[${longLine}]`, `at most ${MAX_LOG_LINE_CHARS} characters a line`);
  // PostgreSQL stores neither NUL nor half a surrogate pair: refused here, by name, not by the driver.
  for (const [field, text] of [
    ["name", c.name],
    ["host", c.host],
    ["message", c.message],
    ...(c.logs ?? []).map((line, i) => [`logs[${i}]`, line]),
  ] as const) {
    if (text && !isStorableText(text)) return bad(field, "holds a NUL character or a lone UTF-16 surrogate");
  }
  return null;
}

/**
 * The names a report gives: each Component once, and only those of the Release's manifest
 * (`manifestNames`; unknown until the Release is loaded, so the names' first check passes none).
 * Otherwise a report could add Components that no manifest declared, or say two things of one.
 */
export function checkComponentNames(
  reported: readonly Pick<ObservedComponent, "name">[],
  manifestNames?: readonly string[],
): Refusal | null {
  const seen = new Set<string>();
  for (const [index, { name }] of reported.entries()) {
    const at = `components[${index}].name`;
    if (seen.has(name)) return { code: ErrorCode.BAD_USER_INPUT, message: `${at}: "${name}" is reported twice`, details: { field: at } };
    seen.add(name);
    if (manifestNames && !manifestNames.includes(name)) {
      return {
        code: ErrorCode.BAD_USER_INPUT,
        message: `${at}: "${name}" is not a Component of the Release's manifest`,
        details: { field: at },
      };
    }
  }
  return null;
}

/**
 * A Component as a reader sees it: on an Outpost that is not ONLINE nobody sees it now, so its
 * health reads UNKNOWN and the last verdict stays in lastKnownHealth.
 */
export function componentAsSeen<C extends Pick<ComponentFacts, "health" | "lastKnownHealth">>(
  component: C,
  outpostStatus: string | null,
): C {
  if (!outpostStatus || outpostStatus === "ONLINE") return component;
  const lastKnownHealth = component.health !== "UNKNOWN" ? component.health : component.lastKnownHealth;
  return { ...component, health: "UNKNOWN", lastKnownHealth };
}
