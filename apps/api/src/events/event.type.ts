import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { Stage } from "../stages/stage.type.js";
import { EventKind } from "./event-kind.js";

registerEnumType(EventKind, {
  name: "EventKind",
  description: "What happened.",
  valuesConfig: {
    PROJECT_CREATED: { description: "The Project was created (its first event)." },
    STAGE_CREATED: { description: "A Stage was created." },
    STAGE_UPDATED: { description: "A Stage's name, type or grace period changed." },
    STAGE_DELETED: { description: "A Stage was deleted: archived (suspended first, storage kept) until restored or purged." },
    STAGE_RESTORED: { description: "An archived Stage was restored (restoreStage), as it was." },
    STAGE_PURGED: { description: "An archived Stage was removed for good (purgeStage)." },
    PROJECT_DELETED: { description: "The Project was deleted: archived with its Stages, until restored." },
    PROJECT_RESTORED: { description: "The archived Project was restored (restoreProject)." },
    STAGE_STATE_CHANGED: { description: "A Stage moved to another StageState." },
    BUILD_CREATED: { description: "A Build was pushed." },
    RELEASE_CREATED: { description: "A Release was made (deployRelease, promoteRelease, rollbackStage)." },
    RELEASE_STATE_CHANGED: { description: "A Release moved to another ReleaseState." },
    COMPONENT_CHANGED: { description: "A Component's state, health, restarts or message changed, as its agent reported." },
    COMPONENT_CONTROLLED: {
      description:
        "Someone restarted, stopped or started a service, or ran a job now (`ComponentEvent.command`); COMPONENT_CHANGED follows as its agent acts.",
    },
    CONFIGURATION_CHANGED: { description: "A Configuration got a new version." },
    OUTPOST_LINK_CHANGED: { description: "A Stage's link to its Outpost changed: status, sync, or apply errors." },
    STAGE_HEALTH_CHANGED: {
      description:
        "A Stage's health moved: its services' probes, a new serving Release, or its Outpost's status. The Stage carries the new health, `previousHealth` the old.",
    },
    BACKUP_CREATED: { description: "createBackup: a PENDING backup, which the Stage's agent is asked to take." },
    BACKUP_READY: {
      description:
        "Every storage of the backup is in: READY, with its size. Older READY ones beyond the Stage's backupRetention went with it.",
    },
    BACKUP_FAILED: { description: "The agent could not take the backup: FAILED, with its message." },
    BACKUP_RESTORE_REQUESTED: {
      description: "restoreBackup: the Stage's agent is asked to put the backup's storages back (restoreState PENDING).",
    },
    BACKUP_RESTORED: { description: "The agent put the backup's storages back (restoreState DONE): the Stage can be resumed." },
    BACKUP_RESTORE_FAILED: { description: "The agent could not restore the backup (restoreState FAILED): the storages are as they were." },
  },
});

/** What every event type carries: `cursor`, `at`, `kind` and the changed object (docs/design.md). */
@ObjectType({ description: "Not used on its own: the fields every event type has." })
export abstract class EventFields {
  @Field(() => String, { description: "Pass as `after` to resume right after this event." })
  cursor: string;

  @Field(() => DateTime, { description: "When it was committed." })
  at: Date;

  @Field(() => EventKind, { description: "What happened." })
  kind: EventKind;

  @Field(() => String, {
    description: 'Who caused it: "email (key name)", "email" for a dashboard session, "agent of <outpost>", or "system".',
  })
  actor: string;
}

@ObjectType({ description: "A change of a Stage: created, updated, deleted, a state transition, or a change of health." })
export class StageEvent extends EventFields {
  @Field(() => Stage, { description: "The Stage as it was at this event." })
  stage: Stage;
}

@ObjectType({ description: "Any change in a Project, in commit order." })
export class ProjectEvent extends EventFields {
  @Field(() => Stage, { nullable: true, description: "The Stage as it was at this event, for Stage events." })
  stage: Stage | null;

  @Field(() => JSONScalar, {
    description: "The event's full payload: the stored rows, untyped.",
    deprecationReason:
      "Use `subject`: the same facts, typed (StageSnapshot, ReleaseSnapshot, ComponentSnapshot, OutpostLinkSnapshot, ConfigurationSnapshot, BackupSnapshot).",
  })
  payload: unknown;
}
