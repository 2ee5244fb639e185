import type { ComponentCommand } from "@pergola/schema";
import { Args, ArgsType, Ctx, Field, Mutation, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { projectFor } from "../projects/project.service.js";
import { Component } from "./component.type.js";

/** One Component of a Stage's current Release. */
@ArgsType()
export class ComponentArgs {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: ArgDoc.stage })
  stage: string;

  @Field(() => String, { description: "The Component's name, as in the manifest." })
  component: string;
}

const REFUSALS =
  "STATE_CONFLICT on a Stage that is not RUNNING (suspended, suspending, resuming), without an active Release, or while a Release is on its way; NOT_FOUND for a Component the Release does not have.";

@Resolver(() => Component)
export class ComponentControlResolver {
  @Mutation(() => Component, {
    description: `Restarts a service: its agent stops the process (grace, then SIGKILL) and starts a new one; \`restarts\` does not count it (that counts exits). Returns the Component as stored; componentChanged shows COMPONENT_CONTROLLED, then the agent's COMPONENT_CHANGED. BAD_USER_INPUT for a job; STATE_CONFLICT for a stopped service. ${REFUSALS}`,
  })
  restartComponent(@Args(() => ComponentArgs) args: ComponentArgs, @Ctx() ctx: Context): Promise<Component> {
    return control(args, ctx, "RESTART");
  }

  @Mutation(() => Component, {
    description: `Stops a service: its agent stops the process and the Component stays STOPPED — across agent restarts and suspends — until startComponent or a new Release. Its links answer 503. Returns the Component as stored. BAD_USER_INPUT for a job; STATE_CONFLICT when it is stopped already. ${REFUSALS}`,
  })
  stopComponent(@Args(() => ComponentArgs) args: ComponentArgs, @Ctx() ctx: Context): Promise<Component> {
    return control(args, ctx, "STOP");
  }

  @Mutation(() => Component, {
    description: `Starts a service that stopComponent stopped. Returns the Component as stored; its agent reports it RUNNING. BAD_USER_INPUT for a job; STATE_CONFLICT when it is not stopped. ${REFUSALS}`,
  })
  startComponent(@Args(() => ComponentArgs) args: ComponentArgs, @Ctx() ctx: Context): Promise<Component> {
    return control(args, ctx, "START");
  }

  @Mutation(() => Component, {
    description: `Runs a job (\`@release\`, again) or a cron job now, as its schedule would. Returns the Component as stored; its agent reports it RUNNING, then COMPLETED (a job) or SCHEDULED (a cron job). BAD_USER_INPUT for a service; STATE_CONFLICT while a run is under way. ${REFUSALS}`,
  })
  runJob(@Args(() => ComponentArgs) args: ComponentArgs, @Ctx() ctx: Context): Promise<Component> {
    return control(args, ctx, "RUN");
  }
}

async function control({ project, stage, component }: ComponentArgs, { actor, services }: Context, command: ComponentCommand) {
  const target = projectFor(services.projects, actor, project);
  return (await services.componentControl.controlComponent(target, stage, component, command)) as unknown as Component;
}
