/**
 * An event's typed subject, read from the payload its writer stored (stage.snapshot.ts,
 * releaseEvent, storeComponents, emitLinkChanged, the Configuration service). Only the fields
 * the snapshot types declare are copied: internal columns in the stored rows stay out of reach.
 */
import type { ComponentRow, ReleaseRow } from "@pergola/db/schema";
import type { ApplyError } from "../domain/outpost-link.machine.js";
import { fromStageSnapshot, type StageSnapshot as StoredStage } from "../stages/stage.snapshot.js";
import type { StoredBackup } from "../backups/backup.snapshot.js";
import {
  EventKind,
  backupEventKinds,
  componentEventKinds,
  outpostLinkEventKinds,
  releaseEventKinds,
  stageEventKinds,
} from "./event-kind.js";
import {
  BackupSnapshot,
  ComponentSnapshot,
  ConfigurationSnapshot,
  OutpostLinkSnapshot,
  OutpostSnapshot,
  ReleaseSnapshot,
  StageSnapshot,
  type EventSubject,
} from "./event-subject.type.js";

/** A row as an event's JSON payload holds it: its dates as ISO strings. */
type Stored<Row, Dates extends keyof Row> = Omit<Row, Dates> & { [K in Dates]: null extends Row[K] ? string | null : string };

interface StoredLink {
  status: string;
  since: string;
  lastHeartbeatAt: string | null;
  latencyMs: number | null;
  inSync: boolean;
  errors?: ApplyError[];
  outpost: {
    id: string;
    slug: string;
    uri?: string;
    name: string;
    description: string | null;
    region: string | null;
    status: string;
    statusSince: string;
  };
}

interface StoredPayload {
  stage?: StoredStage;
  /** STAGE_HEALTH_CHANGED: the health it moved from; COMPONENT_CHANGED: the Component's, when its health moved. */
  previousHealth?: string | null;
  release?: Stored<ReleaseRow, "createdAt" | "updatedAt">;
  component?: Stored<Omit<ComponentRow, "logs" | "logsTotal">, "observedAt" | "updatedAt">;
  link?: StoredLink;
  configuration?: { name: string; version: number; entries?: { name: string; kind: string; secret?: boolean }[] };
  /** COMPONENT_CONTROLLED: what was asked of the Component. */
  command?: string;
  /** BACKUP_*: the backup as of the event. */
  backup?: StoredBackup;
}

const date = (value: string | null | undefined) => (value ? new Date(value) : null);

function stageSnapshot(stored: StoredStage, previousHealth: string | null): StageSnapshot {
  const stage = fromStageSnapshot(stored);
  return Object.assign(new StageSnapshot(), {
    stageId: stage.id,
    slug: stage.slug,
    name: stage.name,
    type: stage.type,
    state: stage.state,
    suspendGraceSeconds: stage.suspendGraceSeconds,
    isOutpost: stage.outpostId != null,
    health: stage.health ?? null,
    previousHealth,
    createdAt: stage.createdAt,
    updatedAt: stage.updatedAt,
  });
}

function releaseSnapshot(release: NonNullable<StoredPayload["release"]>, stage: StageSnapshot): ReleaseSnapshot {
  return Object.assign(new ReleaseSnapshot(), {
    releaseId: release.id,
    number: release.number,
    state: release.state,
    message: release.message ?? null,
    buildId: release.buildId,
    configName: release.configName ?? null,
    configVersion: release.configVersion ?? null,
    createdBy: release.createdBy,
    createdAt: new Date(release.createdAt),
    updatedAt: new Date(release.updatedAt),
    stage,
  });
}

function componentSnapshot(
  component: NonNullable<StoredPayload["component"]>,
  previousHealth: string | null,
  stage: StageSnapshot,
  command: string | null,
): ComponentSnapshot {
  return Object.assign(new ComponentSnapshot(), {
    name: component.name,
    releaseId: component.releaseId,
    kind: component.kind,
    state: component.state,
    health: component.health,
    lastKnownHealth: component.lastKnownHealth ?? null,
    previousHealth,
    observedAt: date(component.observedAt),
    restarts: component.restarts,
    message: component.message ?? null,
    host: component.host ?? null,
    command,
    updatedAt: new Date(component.updatedAt),
    stage,
  });
}

function outpostLinkSnapshot(link: StoredLink, stage: StageSnapshot): OutpostLinkSnapshot {
  const { outpost } = link;
  return Object.assign(new OutpostLinkSnapshot(), {
    status: link.status,
    since: new Date(link.since),
    lastHeartbeatAt: date(link.lastHeartbeatAt),
    latencyMs: link.latencyMs ?? null,
    inSync: Boolean(link.inSync),
    errors: (link.errors ?? []).map((e) => ({ component: e.component, message: e.message, at: new Date(e.at) })),
    outpost: Object.assign(new OutpostSnapshot(), {
      outpostId: outpost.id,
      slug: outpost.slug,
      uri: outpost.uri ?? `outpost://${outpost.slug}`,
      name: outpost.name,
      description: outpost.description ?? null,
      region: outpost.region ?? null,
      status: outpost.status,
      statusSince: new Date(outpost.statusSince),
    }),
    stage,
  });
}

function configurationSnapshot(configuration: NonNullable<StoredPayload["configuration"]>, stage: StageSnapshot): ConfigurationSnapshot {
  return Object.assign(new ConfigurationSnapshot(), {
    name: configuration.name,
    version: configuration.version,
    entries: (configuration.entries ?? []).map(({ name, kind, secret }) => ({ name, kind, secret: Boolean(secret) })),
    stage,
  });
}

function backupSnapshot(backup: StoredBackup, stage: StageSnapshot): BackupSnapshot {
  return Object.assign(new BackupSnapshot(), {
    backupId: backup.id,
    displayName: backup.displayName,
    state: backup.state,
    message: backup.message ?? null,
    size: backup.size,
    restoreState: backup.restoreState ?? null,
    restoreMessage: backup.restoreMessage ?? null,
    createdAt: new Date(backup.createdAt),
    stage,
  });
}

/** The subject of an event of `kind` with `payload`; null for Project and Build events, which have none of these. */
export function subjectOf(kind: string, payload: unknown): EventSubject | null {
  const stored = (payload ?? {}) as StoredPayload;
  if (!stored.stage) return null;
  const previousHealth = stored.previousHealth ?? null;
  if (stageEventKinds.has(kind)) return stageSnapshot(stored.stage, kind === EventKind.STAGE_HEALTH_CHANGED ? previousHealth : null);
  const stage = stageSnapshot(stored.stage, null);
  if (releaseEventKinds.has(kind) && stored.release) return releaseSnapshot(stored.release, stage);
  if (componentEventKinds.has(kind) && stored.component)
    return componentSnapshot(stored.component, previousHealth, stage, stored.command ?? null);
  if (outpostLinkEventKinds.has(kind) && stored.link) return outpostLinkSnapshot(stored.link, stage);
  if (kind === EventKind.CONFIGURATION_CHANGED && stored.configuration) return configurationSnapshot(stored.configuration, stage);
  if (backupEventKinds.has(kind) && stored.backup) return backupSnapshot(stored.backup, stage);
  return null;
}
