import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTime, JSONScalar } from "../common/scalars.js";
import { ComponentKind, ComponentState } from "../components/component.type.js";
import { Health } from "../stages/stage.type.js";

@ObjectType({ description: "A Release's Configuration version, resolved. Secrets included: agent tokens only." })
export class DesiredConfig {
  @Field(() => JSONScalar, { description: "{ NAME: value }" })
  env: Record<string, string>;

  @Field(() => JSONScalar, { description: "{ name: content }" })
  files: Record<string, string>;
}

@ObjectType({
  description:
    "What people asked of one Component of the Release (restartComponent, stopComponent, startComponent, runJob). Counts grow by one per request; a new Release starts with none.",
})
export class DesiredComponentControl {
  @Field(() => String, { description: "The Component's name, as in the manifest." })
  name: string;

  @Field(() => Boolean, { description: "True: keep the service stopped (STOPPED), also after the agent restarts." })
  stopped: boolean;

  @Field(() => Int, {
    description: "Restart requests so far: restart the service when this grows (not when the agent starts and first reads it).",
  })
  restarts: number;

  @Field(() => Int, { description: "Run requests so far: run the job or cron job once more for each one the agent has not run yet." })
  runs: number;
}

@ObjectType({ description: "A Release as the agent runs it. Agent tokens only: the config holds secrets." })
export class DesiredRelease {
  @Field(() => ID, { description: "The Release's ID; reports name it as `releaseId`." })
  id: string;

  @Field(() => JSONScalar, { description: "The Build's pergola.yaml as JSON." })
  manifest: unknown;

  @Field(() => String, { description: "SHA-256 of the tar.gz: GET /artifacts/<sha256>." })
  artifact: string;

  @Field(() => DesiredConfig, { description: "Its Configuration version, resolved, secrets included; empty without one." })
  config: DesiredConfig;

  @Field(() => [DesiredComponentControl], { description: "The Components people controlled in this Release; empty for none." })
  controls: DesiredComponentControl[];
}

@ObjectType({ description: "A backup the agent should take: a tar.gz of each storage, uploaded to POST /backups/<id>/storages/<storage>." })
export class DesiredBackup {
  @Field(() => ID, { description: "The backup's ID: the upload and reportBackup name it." })
  id: string;

  @Field(() => [String], { description: "`<component>/<volume>` of each standard storage." })
  storages: string[];
}

@ObjectType({ description: "One storage's archive to restore." })
export class DesiredRestoreStorage {
  @Field(() => String, { description: "`<component>/<volume>`." })
  name: string;

  @Field(() => String, { description: "SHA-256 of its tar.gz: GET /artifacts/<sha256>." })
  sha256: string;
}

@ObjectType({ description: "A backup to put back (the Stage is suspended); the agent reports it with reportBackup." })
export class DesiredRestore {
  @Field(() => ID, { description: "The backup's ID: reportBackup names it." })
  backup: string;

  @Field(() => [DesiredRestoreStorage], { description: "Each storage to put back, with its archive." })
  storages: DesiredRestoreStorage[];
}

@ObjectType({ description: "What the agent should run for one Stage." })
export class DesiredStage {
  @Field(() => ID, { description: "The Stage's ID; reports name it." })
  stageId: string;

  @Field(() => String, { description: "<project>/<stage>: the runtime's stage key." })
  key: string;

  @Field(() => Int, { description: "Grows with every change of this desired state; reports name the one they describe." })
  generation: number;

  @Field(() => Boolean, { description: "True: stop everything of the Stage and keep it stopped." })
  suspended: boolean;

  @Field(() => Int, { description: "Seconds between SIGTERM and SIGKILL when stopping its Components." })
  graceSeconds: number;

  @Field(() => Int, {
    description:
      "The nice level its Components' processes start with, -20 to 19: the Stage type's policy (StagePolicy.nice). Taken at each start of a process.",
  })
  nice: number;

  @Field(() => DesiredRelease, { nullable: true, description: "The Release to run; null when the Stage has none (run nothing)." })
  release: DesiredRelease | null;

  @Field(() => [DesiredBackup], { description: "Backups to take (PENDING)." })
  backups: DesiredBackup[];

  @Field(() => DesiredRestore, { nullable: true, description: "A restore to do; null: none." })
  restore: DesiredRestore | null;
}

@ObjectType({
  description:
    "A purged Stage whose storage the agent is to remove from its host (if it has any), then say so with acknowledgePurge. Sent until acknowledged.",
})
export class PurgedStage {
  @Field(() => ID, { description: "The purged Stage's ID: acknowledgePurge names it." })
  stageId: string;

  @Field(() => String, { description: "<project>/<stage>: the runtime's stage key its storage was kept under." })
  key: string;
}

@ObjectType({ description: "The whole desired state (full) first, then what changed." })
export class DesiredStateEvent {
  @Field(() => Boolean, { description: "True: `stages` is everything; run nothing else." })
  full: boolean;

  @Field(() => [DesiredStage], { description: "The Stages that are new or changed (all of them when `full`)." })
  stages: DesiredStage[];

  @Field(() => [ID], { description: "Stages to stop and forget (deleted)." })
  removed: string[];

  @Field(() => [PurgedStage], {
    description: "Purged Stages whose storage to remove: all of the Outpost's when `full`, else those of the Projects this change read.",
  })
  purged: PurgedStage[];
}

@InputType({ description: "One Component as the agent observes it." })
export class ComponentReportInput {
  @Field(() => String, { description: "Its name, as in the manifest." })
  name: string;

  @Field(() => ComponentKind, { description: "SERVICE, JOB or CRON." })
  kind: ComponentKind;

  @Field(() => ComponentState, { description: "What the agent's runtime reports." })
  state: ComponentState;

  @Field(() => Health, { description: "HEALTHY, UNHEALTHY or UNKNOWN (DEGRADED is for Stages: a Component reported DEGRADED is refused)." })
  health: Health;

  @Field(() => DateTime, { nullable: true, description: "When the agent observed this health; null when it does not know." })
  observedAt?: Date | null;

  @Field(() => Int, { description: "How many times its process was restarted in this Release." })
  restarts: number;

  @Field(() => String, { nullable: true, description: "Its address on the agent's host (host:port), if it serves one." })
  host?: string | null;

  @Field(() => String, { nullable: true, description: "Why it is in this state (a crash, a missing config entry…)." })
  message?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: "Lines of output written since the last accepted report; the API keeps the newest 200.",
  })
  logs?: string[] | null;
}

@InputType({ description: "What an agent observes of one Stage, for the generation it has applied." })
export class StatusReportInput {
  @Field(() => ID, { description: "The Stage's ID, from its DesiredStage." })
  stageId: string;

  @Field(() => ID, { nullable: true, description: "null: the Stage has nothing to run; the report acknowledges the generation only." })
  releaseId?: string | null;

  @Field(() => Int, {
    description: "The desired-state generation the agent has applied; one older than the Stage's current generation is refused.",
  })
  observedGeneration: number;

  @Field(() => [ComponentReportInput], { description: "Every Component of the Release, as observed now." })
  components: ComponentReportInput[];

  @Field(() => DateTime, {
    nullable: true,
    description:
      "When the agent's links gateway last forwarded a request to the Stage (Outposts' agents serve their Stages' links themselves); null or absent: none since the agent's last report that carried one. Auto-suspend counts the Stage's quiet time from it.",
  })
  lastTrafficAt?: Date | null;
}

@ObjectType({ description: "Whether a status report was taken." })
export class StatusReportResult {
  @Field(() => Boolean, { description: "True when the report was applied." })
  accepted: boolean;

  @Field(() => String, { nullable: true, description: "Why a report was refused (stale generation, not the Stage's Release)." })
  reason: string | null;
}
