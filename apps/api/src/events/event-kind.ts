/** Every kind of event in the log, declared once. The GraphQL enum `EventKind` mirrors it. */
export enum EventKind {
  PROJECT_CREATED = "PROJECT_CREATED",
  STAGE_CREATED = "STAGE_CREATED",
  STAGE_UPDATED = "STAGE_UPDATED",
  STAGE_DELETED = "STAGE_DELETED",
  /** One per transition of the Stage state machine; the payload holds the new state. */
  STAGE_STATE_CHANGED = "STAGE_STATE_CHANGED",
  BUILD_CREATED = "BUILD_CREATED",
  RELEASE_CREATED = "RELEASE_CREATED",
  /** A Release moved: PENDING → DEPLOYING → DEPLOYED | FAILED, DEPLOYED → SUPERSEDED. */
  RELEASE_STATE_CHANGED = "RELEASE_STATE_CHANGED",
  /** A Component's state, health, restarts or message changed (from the agent's reports). */
  COMPONENT_CHANGED = "COMPONENT_CHANGED",
  /** addConfigData / removeConfigData: names, kinds and secret flags in the payload, never values. */
  CONFIGURATION_CHANGED = "CONFIGURATION_CHANGED",
  /** A Stage's Outpost link moved: the Outpost's status, the agent's observed generation, its apply errors. */
  OUTPOST_LINK_CHANGED = "OUTPOST_LINK_CHANGED",
}

export const stageEventKinds: ReadonlySet<string> = new Set([
  EventKind.STAGE_CREATED,
  EventKind.STAGE_UPDATED,
  EventKind.STAGE_DELETED,
  EventKind.STAGE_STATE_CHANGED,
]);

export const releaseEventKinds: ReadonlySet<string> = new Set([EventKind.RELEASE_CREATED, EventKind.RELEASE_STATE_CHANGED]);

export const outpostLinkEventKinds: ReadonlySet<string> = new Set([EventKind.OUTPOST_LINK_CHANGED]);

export const componentEventKinds: ReadonlySet<string> = new Set([EventKind.COMPONENT_CHANGED]);

/** The channel PostgreSQL NOTIFY uses; the payload is `<projectId>:<seq>` and nothing else. */
export const EVENTS_CHANNEL = "pergola_events";
