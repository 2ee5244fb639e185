/** `componentLogs`: a Component's output, live (component-log-stream.ts). */
import { Arg, Int, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import type { Context } from "../context.js";
import { streamComponentLogs, type ComponentLogRequest } from "./component-log-stream.js";
import { ComponentLogLines } from "./component-log.type.js";

@Resolver()
export class ComponentLogsResolver {
  @Subscription(() => ComponentLogLines, {
    description:
      "A Component's output as it is shipped: first the last `tail` lines (or those after `after`), then each batch of new lines. Resumable with the cursor of the last batch.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ComponentLogRequest, Context>) =>
      streamComponentLogs(context.services, context.actor, args),
  })
  componentLogs(
    @Root() lines: ComponentLogLines,
    @Arg("project", () => String, { description: ArgDoc.project }) _project: string,
    @Arg("stage", () => String, { description: ArgDoc.stage }) _stage: string,
    @Arg("component", () => String, { description: "The Component's name, as in the manifest." }) _component: string,
    @Arg("tail", () => Int, {
      defaultValue: 50,
      description: "How many of the last lines to send first (the API keeps 200); ignored with `after`.",
    })
    _tail: number,
    @Arg("after", () => String, {
      nullable: true,
      description: "The cursor of the last batch received: send the lines after it instead of the tail.",
    })
    _after?: string,
  ): ComponentLogLines {
    return lines;
  }
}
