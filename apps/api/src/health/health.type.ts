import { Field, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { ComponentKind, ComponentState } from "../components/component.type.js";
import { OutpostLinkStatus } from "../outposts/outpost-link-status.js";
import { Health, StageState, StageType } from "../stages/stage.type.js";

export const HEALTH_EVENT_KINDS = [
  "SNAPSHOT",
  "STAGE_ADDED",
  "STAGE_REMOVED",
  "STAGE_STATE_CHANGED",
  "STAGE_HEALTH_CHANGED",
  "COMPONENT_HEALTH_CHANGED",
  "OUTPOST_LINK_CHANGED",
] as const;

export const HealthEventKind = graphqlEnum(HEALTH_EVENT_KINDS, {
  name: "HealthEventKind",
  description: "What a HealthEvent tells: the first picture of every Stage, or one change.",
  valuesConfig: {
    SNAPSHOT: { description: "The first event of every subscription: every Stage the caller may see, as it is now." },
    STAGE_ADDED: { description: "A Stage was created, or a Project the caller may see appeared (one event per Stage)." },
    STAGE_REMOVED: { description: "A Stage was deleted." },
    STAGE_STATE_CHANGED: { description: "A Stage was suspended, resumed, or moved to another StageState." },
    STAGE_HEALTH_CHANGED: { description: "A Stage's health moved (`previousHealth` says from what)." },
    COMPONENT_HEALTH_CHANGED: { description: "A Component's health moved; `component` tells which." },
    OUTPOST_LINK_CHANGED: { description: "The status of a Stage's link to its Outpost moved (ONLINE, OFFLINE, ERROR…)." },
  },
});
export type HealthEventKind = keyof typeof HealthEventKind;

@ObjectType({ description: "A Stage as the health feed shows it." })
export class StageHealth {
  @Field(() => String, { description: "The Project's slug." })
  project: string;

  @Field(() => String, { description: "The Stage ID (its slug)." })
  stage: string;

  @Field(() => String, { description: "The Stage's display name." })
  name: string;

  @Field(() => StageType, { description: "What the Stage is for." })
  type: StageType;

  @Field(() => StageState, { description: "Its state (SUSPENDED Stages serve nothing, on purpose)." })
  state: StageState;

  @Field(() => Health, { description: "Its health (`Stage.health`) as of this event." })
  health: Health;

  @Field(() => Health, { nullable: true, description: "STAGE_HEALTH_CHANGED: the health it moved from." })
  previousHealth: Health | null;

  @Field(() => DateTime, { description: "Since when it has had this health." })
  healthSince: Date;

  @Field(() => String, { nullable: true, description: "The slug of the Outpost it lives on; null for the built-in local one." })
  outpost: string | null;

  @Field(() => OutpostLinkStatus, {
    nullable: true,
    description: "Its link to that Outpost (`Stage.outpost.status`); null for local Stages.",
  })
  link: OutpostLinkStatus | null;
}

@ObjectType({ description: "A Component whose health moved." })
export class ComponentHealth {
  @Field(() => String, { description: "Its name in the manifest." })
  name: string;

  @Field(() => ComponentKind, { description: "Service, job or scheduled job." })
  kind: ComponentKind;

  @Field(() => ComponentState, { description: "Its state as of this event." })
  state: ComponentState;

  @Field(() => Health, { description: "Its health as its agent reported it." })
  health: Health;

  @Field(() => Health, { nullable: true, description: "The health it moved from; null for a Component reported for the first time." })
  previousHealth: Health | null;
}

@ObjectType({
  description:
    "One event of the fleet-wide health feed (`healthChanged`): first a SNAPSHOT of every Stage the caller may see, then each change, each with the Stage as it is after it.",
})
export class HealthEvent {
  @Field(() => HealthEventKind, { description: "What this event tells." })
  kind: HealthEventKind;

  @Field(() => DateTime, { description: "When it was committed (SNAPSHOT: when it was read)." })
  at: Date;

  @Field(() => [StageHealth], { description: "SNAPSHOT: every Stage the caller may see; otherwise the one Stage it concerns." })
  stages: StageHealth[];

  @Field(() => ComponentHealth, { nullable: true, description: "COMPONENT_HEALTH_CHANGED: the Component." })
  component: ComponentHealth | null;
}
