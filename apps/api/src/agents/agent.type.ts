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

@ObjectType({ description: "A Release as the agent runs it. Agent tokens only: the config holds secrets." })
export class DesiredRelease {
  @Field(() => ID)
  id: string;

  @Field(() => JSONScalar, { description: "The Build's pergola.yaml as JSON." })
  manifest: unknown;

  @Field(() => String, { description: "SHA-256 of the tar.gz: GET /artifacts/<sha256>." })
  artifact: string;

  @Field(() => DesiredConfig)
  config: DesiredConfig;
}

@ObjectType({ description: "What the agent should run for one Stage." })
export class DesiredStage {
  @Field(() => ID)
  stageId: string;

  @Field(() => String, { description: "<project>/<stage>: the runtime's stage key." })
  key: string;

  @Field(() => Int, { description: "Grows with every change of this desired state; reports name the one they describe." })
  generation: number;

  @Field(() => Boolean)
  suspended: boolean;

  @Field(() => Int)
  graceSeconds: number;

  @Field(() => DesiredRelease, { nullable: true })
  release: DesiredRelease | null;
}

@ObjectType({ description: "The whole desired state (full) first, then what changed." })
export class DesiredStateEvent {
  @Field(() => Boolean, { description: "True: `stages` is everything; run nothing else." })
  full: boolean;

  @Field(() => [DesiredStage])
  stages: DesiredStage[];

  @Field(() => [ID], { description: "Stages to stop and forget (deleted)." })
  removed: string[];
}

@InputType()
export class ComponentReportInput {
  @Field(() => String)
  name: string;

  @Field(() => ComponentKind, { description: "SERVICE, JOB or CRON." })
  kind: ComponentKind;

  @Field(() => ComponentState, { description: "What the agent's runtime reports." })
  state: ComponentState;

  @Field(() => Health, { description: "HEALTHY, UNHEALTHY or UNKNOWN (DEGRADED is for Stages: a Component reported DEGRADED is refused)." })
  health: Health;

  @Field(() => DateTime, { nullable: true })
  observedAt?: Date | null;

  @Field(() => Int)
  restarts: number;

  @Field(() => String, { nullable: true })
  host?: string | null;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => [String], { nullable: true, description: "Lines of output written since the last accepted report; the API keeps the newest 200." })
  logs?: string[] | null;
}

@InputType()
export class StatusReportInput {
  @Field(() => ID)
  stageId: string;

  @Field(() => ID, { nullable: true, description: "null: the Stage has nothing to run; the report acknowledges the generation only." })
  releaseId?: string | null;

  @Field(() => Int)
  observedGeneration: number;

  @Field(() => [ComponentReportInput])
  components: ComponentReportInput[];
}

@ObjectType()
export class StatusReportResult {
  @Field(() => Boolean)
  accepted: boolean;

  @Field(() => String, { nullable: true, description: "Why a report was refused (stale generation, not the Stage's Release)." })
  reason: string | null;
}
