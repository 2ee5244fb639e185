import { COMPONENT_KINDS, COMPONENT_STATES } from "@pergola/schema";
import { Field, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { EventFields } from "../events/event.type.js";
import { Health, Stage } from "../stages/stage.type.js";

export const ComponentKind = graphqlEnum(COMPONENT_KINDS, { name: "ComponentKind", description: "From `scheduled`: none → SERVICE, `@release` → JOB, a cron expression → CRON." });
export type ComponentKind = keyof typeof ComponentKind;

export const ComponentState = graphqlEnum(COMPONENT_STATES, { name: "ComponentState", description: "Pergola's words: SCHEDULED is a cron job between runs, COMPLETED a @release job done." });
export type ComponentState = keyof typeof ComponentState;

@ObjectType({ description: "A service, job or scheduled job of the Stage's active Release, as its agent last reported it." })
export class Component {
  @Field(() => String)
  name: string;

  @Field(() => ComponentKind)
  kind: ComponentKind;

  @Field(() => ComponentState)
  state: ComponentState;

  @Field(() => Health)
  health: Health;

  @Field(() => Health, { nullable: true, description: "The last real verdict, kept while `health` is UNKNOWN." })
  lastKnownHealth: Health | null;

  @Field(() => DateTime, { nullable: true, description: "When the agent last saw this health." })
  observedAt: Date | null;

  @Field(() => Int)
  restarts: number;

  @Field(() => String, { nullable: true, description: "Why it is in this state (a crash, a missing config entry…)." })
  message: string | null;

  @Field(() => String, { nullable: true, description: "Its address on the agent's host." })
  host: string | null;
}

@ObjectType({ description: "A Component changed." })
export class ComponentEvent extends EventFields {
  @Field(() => Component)
  component: Component;

  @Field(() => Stage)
  stage: Stage;
}
