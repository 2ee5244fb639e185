import { COMPONENT_COMMANDS, COMPONENT_KINDS, COMPONENT_STATES } from "@pergola/schema";
import { Field, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { EventFields } from "../events/event.type.js";
import { Health, Stage } from "../stages/stage.type.js";
import { Node } from "../node/node.type.js";

export const ComponentKind = graphqlEnum(COMPONENT_KINDS, {
  name: "ComponentKind",
  description: "From `scheduled`: none → SERVICE, `@release` → JOB, a cron expression → CRON.",
  valuesConfig: {
    SERVICE: { description: "Runs all the time and is restarted when it exits (no `scheduled`)." },
    JOB: { description: 'Runs once per Release (`scheduled: "@release"`).' },
    CRON: { description: 'Runs on a cron schedule (`scheduled: "*/5 * * * *"`).' },
  },
});
export type ComponentKind = keyof typeof ComponentKind;

export const ComponentState = graphqlEnum(COMPONENT_STATES, {
  name: "ComponentState",
  description: "Pergola's words: SCHEDULED is a cron job between runs, COMPLETED a @release job done.",
  valuesConfig: {
    PENDING: { description: "Known to the agent, not started yet." },
    STARTING: { description: "Its process exited and waits out the back-off before a restart." },
    RUNNING: { description: "Its process runs." },
    SCHEDULED: { description: "A CRON Component between runs." },
    COMPLETED: { description: "A JOB that finished successfully." },
    STOPPING: { description: "Its process was told to stop (SIGTERM) and has not exited yet." },
    STOPPED: {
      description:
        "Stopped: its Release was replaced or its Stage deleted, or people stopped it (stopComponent; startComponent starts it).",
    },
    SUSPENDED: { description: "Stopped because its Stage is suspended; it starts again on resume." },
    FAILED: { description: "It cannot start, or a JOB failed on every retry; `message` says why." },
    CRASHLOOP: { description: "A service that exited quickly several times in a row; it keeps being restarted." },
  },
});
export type ComponentState = keyof typeof ComponentState;

export const ComponentCommand = graphqlEnum(COMPONENT_COMMANDS, {
  name: "ComponentCommand",
  description: "What someone asked of a Component (COMPONENT_CONTROLLED events).",
  valuesConfig: {
    RESTART: { description: "restartComponent: a new process for the service." },
    STOP: { description: "stopComponent: the service stops and stays STOPPED until started or a new Release." },
    START: { description: "startComponent: a stopped service starts again." },
    RUN: { description: "runJob: the job or cron job runs now." },
  },
});
export type ComponentCommand = keyof typeof ComponentCommand;

@ObjectType({
  implements: Node,
  description: "A service, job or scheduled job of the Stage's active Release, as its agent last reported it.",
})
export class Component {
  @Field(() => String, { description: "Its name, as in the manifest; unique in its Release." })
  name: string;

  @Field(() => ComponentKind, { description: "A service, a job run per Release, or a cron job." })
  kind: ComponentKind;

  @Field(() => ComponentState, { description: "What its process is doing." })
  state: ComponentState;

  @Field(() => Health, { description: "Its probe's verdict; UNKNOWN without a probe, or when the agent stopped reporting." })
  health: Health;

  @Field(() => Health, { nullable: true, description: "The last real verdict, kept while `health` is UNKNOWN." })
  lastKnownHealth: Health | null;

  @Field(() => DateTime, { nullable: true, description: "When the agent last saw this health." })
  observedAt: Date | null;

  @Field(() => Int, { description: "How many times its process was restarted since the Release started it." })
  restarts: number;

  @Field(() => String, { nullable: true, description: "Why it is in this state (a crash, a missing config entry…)." })
  message: string | null;

  @Field(() => String, { nullable: true, description: "Its address on the agent's host." })
  host: string | null;
}

@ObjectType({ description: "A Component changed." })
export class ComponentEvent extends EventFields {
  @Field(() => Component, { description: "The Component as it was at this event (its `logs` empty)." })
  component: Component;

  @Field(() => ComponentCommand, { nullable: true, description: "COMPONENT_CONTROLLED: what was asked of it; null for COMPONENT_CHANGED." })
  command: ComponentCommand | null;

  @Field(() => Stage, { description: "Its Stage as it was at this event." })
  stage: Stage;
}
