/**
 * `ProjectEvent.subject`: what an event is about, as it was at that event, typed. Snapshots carry
 * the ids of the live objects (`stageId`, `releaseId`…) but no `id` of their own: a normalized
 * client cache then keeps each event's snapshot with its event instead of merging the snapshots
 * of one Stage, taken at different times, into a single cached object.
 */
import { createUnionType, Field, ID, Int, ObjectType } from "type-graphql";
import { BackupState, RestoreState } from "../backups/backup.type.js";
import { DateTime, UnsignedInt64 } from "../common/scalars.js";
import { ComponentCommand, ComponentKind, ComponentState } from "../components/component.type.js";
import { ConfigDataKind } from "../configurations/configuration.type.js";
import { OutpostApplyError, OutpostLinkStatus } from "../outposts/outpost.type.js";
import { ReleaseState } from "../releases/release.type.js";
import { Health, StageState, StageType } from "../stages/stage.type.js";

@ObjectType({ description: "A Stage as it was at an event." })
export class StageSnapshot {
  @Field(() => ID, { description: "The Stage's id (`Stage.id`)." })
  stageId: string;

  @Field(() => String, { description: "The Stage ID: a DNS label unique in its Project, fixed for life." })
  slug: string;

  @Field(() => String, { description: "Its display name." })
  name: string;

  @Field(() => StageType, { description: "What the Stage is for." })
  type: StageType;

  @Field(() => StageState, { description: "Its state in the Stage state machine." })
  state: StageState;

  @Field(() => Int, { description: "Seconds between SIGTERM and SIGKILL when the Stage is suspended." })
  suspendGraceSeconds: number;

  @Field(() => Boolean, { description: "True when the Stage lives on a remote Outpost (false: the built-in local one)." })
  isOutpost: boolean;

  @Field(() => Health, {
    nullable: true,
    description: "Its health as of this event (`Stage.health`); null in events written before Stages kept their health.",
  })
  health: Health | null;

  @Field(() => Health, { nullable: true, description: "STAGE_HEALTH_CHANGED only: the health it moved from." })
  previousHealth: Health | null;

  @Field(() => DateTime, { description: "When the Stage was created." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When the Stage last changed, as of this event." })
  updatedAt: Date;
}

@ObjectType({ description: "A Release as it was at an event." })
export class ReleaseSnapshot {
  @Field(() => ID, { description: "The Release's id (`Release.id`)." })
  releaseId: string;

  @Field(() => Int, { description: "1, 2, 3… per Stage." })
  number: number;

  @Field(() => ReleaseState, { description: "Its state in the Release state machine." })
  state: ReleaseState;

  @Field(() => String, { nullable: true, description: "Why it waits, or why it failed." })
  message: string | null;

  @Field(() => ID, { description: "The Build it runs (`Build.id`)." })
  buildId: string;

  @Field(() => String, { nullable: true, description: "The Configuration it runs with (null: none)." })
  configName: string | null;

  @Field(() => Int, { nullable: true, description: "The Configuration version it runs with (null: none)." })
  configVersion: number | null;

  @Field(() => String, { description: "Who released it (the token's name)." })
  createdBy: string;

  @Field(() => DateTime, { description: "When the Release was created." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When the Release last changed, as of this event." })
  updatedAt: Date;

  @Field(() => StageSnapshot, { description: "Its Stage, as it was at this event." })
  stage: StageSnapshot;
}

@ObjectType({ description: "A Component as its agent had reported it at an event." })
export class ComponentSnapshot {
  @Field(() => String, { description: "Its name in the manifest." })
  name: string;

  @Field(() => ID, { description: "The Release the Component belongs to (`Release.id`)." })
  releaseId: string;

  @Field(() => ComponentKind, { description: "Service, job or scheduled job." })
  kind: ComponentKind;

  @Field(() => ComponentState, { description: "Its state, in Pergola's words." })
  state: ComponentState;

  @Field(() => Health, { description: "Its health, from probes." })
  health: Health;

  @Field(() => Health, { nullable: true, description: "The last real verdict, kept while `health` is UNKNOWN." })
  lastKnownHealth: Health | null;

  @Field(() => Health, {
    nullable: true,
    description: "When this event changed its health, the health it moved from (null for a new Component, or when the health stayed).",
  })
  previousHealth: Health | null;

  @Field(() => DateTime, { nullable: true, description: "When the agent saw this health." })
  observedAt: Date | null;

  @Field(() => Int, { description: "How many times it was restarted." })
  restarts: number;

  @Field(() => String, { nullable: true, description: "Why it is in this state (a crash, a missing config entry…)." })
  message: string | null;

  @Field(() => String, { nullable: true, description: "Its address on the agent's host." })
  host: string | null;

  @Field(() => ComponentCommand, { nullable: true, description: "COMPONENT_CONTROLLED: what was asked of it; null for COMPONENT_CHANGED." })
  command: ComponentCommand | null;

  @Field(() => DateTime, { description: "When this report was stored." })
  updatedAt: Date;

  @Field(() => StageSnapshot, { description: "Its Stage, as it was at this event." })
  stage: StageSnapshot;
}

@ObjectType({ description: "An Outpost as a member of a Project on it saw it at an event (no admin facts)." })
export class OutpostSnapshot {
  @Field(() => ID, { description: "The Outpost's id (`Outpost.id`)." })
  outpostId: string;

  @Field(() => String, { description: "The Outpost's slug." })
  slug: string;

  @Field(() => String, { description: "outpost://<slug>: what createStage's outpostUri takes." })
  uri: string;

  @Field(() => String, { description: "Its display name." })
  name: string;

  @Field(() => String, { nullable: true, description: "What it is, in its admin's words." })
  description: string | null;

  @Field(() => String, { nullable: true, description: "Where it is." })
  region: string | null;

  @Field(() => OutpostLinkStatus, { description: "The Outpost's status." })
  status: OutpostLinkStatus;

  @Field(() => DateTime, { description: "Since when the status was what it was." })
  statusSince: Date;
}

@ObjectType({ description: "A Stage's link to its Outpost as it was at an event." })
export class OutpostLinkSnapshot {
  @Field(() => OutpostLinkStatus, { description: "The link's status." })
  status: OutpostLinkStatus;

  @Field(() => DateTime, { description: "Since when the status was what it was." })
  since: Date;

  @Field(() => DateTime, { nullable: true, description: "The agent's last heartbeat." })
  lastHeartbeatAt: Date | null;

  @Field(() => Int, { nullable: true, description: "Round trip of a heartbeat, as the agent measured it, in ms." })
  latencyMs: number | null;

  @Field(() => Boolean, { description: "The agent had applied the newest desired state of the Stage." })
  inSync: boolean;

  @Field(() => [OutpostApplyError], { description: "What the agent reported it could not apply; empty when all was well." })
  errors: OutpostApplyError[];

  @Field(() => OutpostSnapshot, { description: "The Outpost, as it was at this event." })
  outpost: OutpostSnapshot;

  @Field(() => StageSnapshot, { description: "The Stage, as it was at this event." })
  stage: StageSnapshot;
}

@ObjectType({ description: "One entry of a Configuration version, without its value (events are replayed to every member)." })
export class ConfigDataSnapshot {
  @Field(() => String, { description: "The variable's name, or the file's path." })
  name: string;

  @Field(() => ConfigDataKind, { description: "An environment variable or a file." })
  kind: ConfigDataKind;

  @Field(() => Boolean, { description: "Whether the value is a secret." })
  secret: boolean;
}

@ObjectType({ description: "A Configuration version, as written at an event: its entries' names and kinds, never their values." })
export class ConfigurationSnapshot {
  @Field(() => String, { description: "The Configuration's name." })
  name: string;

  @Field(() => Int, { description: "The version this change wrote." })
  version: number;

  @Field(() => [ConfigDataSnapshot], { description: "The entries of that version." })
  entries: ConfigDataSnapshot[];

  @Field(() => StageSnapshot, { description: "Its Stage, as it was at this event." })
  stage: StageSnapshot;
}

@ObjectType({ description: "A backup as it was at an event (BACKUP_* events)." })
export class BackupSnapshot {
  @Field(() => ID, { description: "The backup's id (`Backup.id`): restoreBackup names it." })
  backupId: string;

  @Field(() => String, { description: "The name given to createBackup." })
  displayName: string;

  @Field(() => BackupState, { description: "PENDING, READY or FAILED, as of this event." })
  state: BackupState;

  @Field(() => String, { nullable: true, description: "Why it FAILED." })
  message: string | null;

  @Field(() => UnsignedInt64, { description: "Bytes of its archives (0 until READY)." })
  size: number;

  @Field(() => RestoreState, { nullable: true, description: "The last restore asked of it, as of this event; null if never." })
  restoreState: RestoreState | null;

  @Field(() => String, { nullable: true, description: "Why that restore FAILED." })
  restoreMessage: string | null;

  @Field(() => DateTime, { description: "When createBackup asked for it." })
  createdAt: Date;

  @Field(() => StageSnapshot, { description: "Its Stage, as it was at this event." })
  stage: StageSnapshot;
}

export const EventSubject = createUnionType({
  name: "EventSubject",
  description:
    "What an event is about, as it was at that event. `state` is a StageState, a ReleaseState or a ComponentState depending on the snapshot: a selection of several needs an alias for each (`releaseState: state`).",
  types: () => [StageSnapshot, ReleaseSnapshot, ComponentSnapshot, OutpostLinkSnapshot, ConfigurationSnapshot, BackupSnapshot] as const,
});
export type EventSubject = typeof EventSubject;
