import { EVENT_KINDS } from "@pergola/schema";
import { enumObject } from "../common/enum-object.js";

/** Every kind of event in the log (@pergola/schema's EVENT_KINDS); the GraphQL enum `EventKind` registers it. */
export const EventKind = enumObject(EVENT_KINDS);
export type EventKind = keyof typeof EventKind;

export const stageEventKinds: ReadonlySet<string> = new Set([
  EventKind.STAGE_CREATED,
  EventKind.STAGE_UPDATED,
  EventKind.STAGE_DELETED,
  EventKind.STAGE_STATE_CHANGED,
  EventKind.STAGE_HEALTH_CHANGED,
  EventKind.STAGE_RESTORED,
  EventKind.STAGE_PURGED,
]);

export const releaseEventKinds: ReadonlySet<string> = new Set([EventKind.RELEASE_CREATED, EventKind.RELEASE_STATE_CHANGED]);

export const outpostLinkEventKinds: ReadonlySet<string> = new Set([EventKind.OUTPOST_LINK_CHANGED]);

export const componentEventKinds: ReadonlySet<string> = new Set([EventKind.COMPONENT_CHANGED, EventKind.COMPONENT_CONTROLLED]);

/** Events about a backup: the payload holds `backup` (backups/backup.snapshot.ts) and its `stage`. */
export const backupEventKinds: ReadonlySet<string> = new Set([
  EventKind.BACKUP_CREATED,
  EventKind.BACKUP_READY,
  EventKind.BACKUP_FAILED,
  EventKind.BACKUP_RESTORE_REQUESTED,
  EventKind.BACKUP_RESTORED,
  EventKind.BACKUP_RESTORE_FAILED,
]);

/** The channel PostgreSQL NOTIFY uses; the payload is `<projectId>:<seq>` and what the commit touched (commit.ts). */
export const EVENTS_CHANNEL = "pergola_events";
