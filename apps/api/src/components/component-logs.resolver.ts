/** `componentLogs`: a Component's output, live (component-log-stream.ts). */
import { Arg, Int, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { streamComponentLogs, type ComponentLogRequest } from "./component-log-stream.js";
import { ComponentLogLines } from "./component-log.type.js";

@Resolver()
export class ComponentLogsResolver {
  @Subscription(() => ComponentLogLines, {
    description:
      "A Component's output as it is shipped: first the last `tail` lines (or those after `after`), then each batch of new lines. Resumable with the cursor of the last batch.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ComponentLogRequest, Context>) => streamComponentLogs(context.services, context.actor, args),
  })
  componentLogs(
    @Root() lines: ComponentLogLines,
    @Arg("project", () => String) _project: string,
    @Arg("stage", () => String) _stage: string,
    @Arg("component", () => String) _component: string,
    @Arg("tail", () => Int, { defaultValue: 50 }) _tail: number,
    @Arg("after", () => String, { nullable: true }) _after?: string,
  ): ComponentLogLines {
    return lines;
  }
}
