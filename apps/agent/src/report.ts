/** Turns what the runtime observes (or why an apply failed) into StatusReportInput's Components. */
import { getComponentKind, type ComponentStatus, type Manifest } from "@pergola/runtime";
import type { ReportedComponent } from "./desired-state.js";

export function toReportedComponent(status: ComponentStatus): ReportedComponent {
  return {
    name: status.name,
    kind: status.kind,
    state: status.state,
    health: status.health,
    observedAt: status.observedAt?.toISOString() ?? null,
    restarts: status.restarts,
    host: status.host,
    message: status.message ?? null,
  };
}

/** The Component every report of a Release whose manifest names none can carry (PROTOCOL: FAILED fails the Release). */
export const RELEASE_COMPONENT = "release";

/**
 * Every Component of the Release as FAILED with `message`, so that the API fails the Release.
 * A valid manifest names them; an invalid one is read as far as it goes (`components[].name`),
 * and when it names none, one Component called "release" carries the message.
 */
export function getFailedComponents(manifest: Manifest | undefined, raw: unknown, message: string): ReportedComponent[] {
  const named = manifest ? manifest.components.map((c) => ({ name: c.name, kind: c.kind })) : readRawComponents(raw);
  const components = named.length > 0 ? named : [{ name: RELEASE_COMPONENT, kind: getComponentKind(undefined) }];
  return components.map(({ name, kind }) => ({
    name,
    kind,
    state: "FAILED",
    health: "UNKNOWN",
    observedAt: new Date().toISOString(),
    restarts: 0,
    host: "",
    message,
  }));
}

function readRawComponents(raw: unknown) {
  const list = isObject(raw) && Array.isArray(raw.components) ? (raw.components as unknown[]) : [];
  const seen = new Set<string>();
  return list.flatMap((item) => {
    if (!isObject(item) || typeof item.name !== "string" || item.name === "" || seen.has(item.name)) return [];
    seen.add(item.name);
    const scheduled = typeof item.scheduled === "string" ? item.scheduled : undefined;
    return [{ name: item.name, kind: getComponentKind(scheduled) }];
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
