/**
 * `componentLogs`: a Component's output, live. First the last `tail` lines (or, given `after`,
 * the lines after that cursor), then each batch of new lines as the agent ships them. The
 * cursor is `<releaseId>:<position>` (position = lines ever shipped for that Component of that
 * Release), so a client that reconnects with its last cursor misses nothing the API still keeps
 * (the newest 200 lines) and sees nothing twice. A new Release starts its Components' output anew.
 */
import type { ComponentRow } from "@pergola/db/schema";
import { components, releases } from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES } from "@pergola/schema";
import { Repeater } from "@repeaterjs/repeater";
import { and, eq, inArray } from "drizzle-orm";
import { Arg, Field, ID, Int, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { Signals } from "../common/signals.js";
import type { Context } from "../context.js";
import { badInput, notFound } from "../errors.js";
import type { Services } from "../services.js";

@ObjectType({ description: "New output lines of a Component." })
export class ComponentLogLines {
  @Field(() => String, { description: "Pass as `after` to resume right after these lines." })
  cursor: string;

  @Field(() => String)
  component: string;

  @Field(() => ID, { description: "The Release whose Component wrote them." })
  releaseId: string;

  @Field(() => [String])
  lines: string[];
}

type Position = { releaseId: string; total: number };

function parsePosition(after: string | null | undefined): Position | null {
  if (after == null) return null;
  const match = /^([0-9a-f-]{36}):(\d+)$/.exec(after);
  if (!match) throw badInput("after", "not a cursor of componentLogs (<releaseId>:<position>)");
  return { releaseId: match[1]!, total: Number(match[2]) };
}

/** The lines of `row` after `from`; all that is kept when `from` is another Release's. */
function linesAfter(row: ComponentRow, from: Position | null, tail: number): string[] {
  if (!from) return tail === 0 ? [] : row.logs.slice(-tail);
  const first = row.logsTotal - row.logs.length;
  const after = from.releaseId === row.releaseId ? from.total : 0;
  return row.logs.slice(Math.max(0, after - first));
}

async function readComponent(services: Services, stageId: string, name: string): Promise<ComponentRow | undefined> {
  const [row] = await services.database.db
    .select({ component: components })
    .from(components)
    .innerJoin(releases, eq(releases.id, components.releaseId))
    .where(and(eq(components.stageId, stageId), eq(components.name, name), inArray(releases.state, [...ACTIVE_RELEASE_STATES])));
  return row?.component;
}

function streamLogs(services: Services, projectId: string, stageId: string, name: string, tail: number, after: Position | null) {
  return new Repeater<ComponentLogLines>(async (push, stop) => {
    const signals = new Signals(stop);
    const poke = () => signals.add(true);
    // New lines, and a new Release (a commit in the Project) that starts its output anew.
    const unwatch = services.logFeed.watch(stageId, name, poke);
    const unlisten = services.bus.onCommit((id) => id === projectId && poke());
    poke();
    let position = after;
    let first = true;
    try {
      while (await signals.next()) {
        const row = await readComponent(services, stageId, name);
        if (!row) continue;
        const unchanged = position?.releaseId === row.releaseId && position.total === row.logsTotal;
        if (unchanged && !first) continue;
        const lines = linesAfter(row, position, tail);
        position = { releaseId: row.releaseId, total: row.logsTotal };
        if (lines.length === 0 && !first) continue;
        first = false;
        await push({ cursor: `${row.releaseId}:${row.logsTotal}`, component: name, releaseId: row.releaseId, lines });
      }
    } finally {
      unwatch();
      unlisten();
    }
  });
}

@Resolver()
export class ComponentLogsResolver {
  @Subscription(() => ComponentLogLines, {
    description:
      "A Component's output as it is shipped: first the last `tail` lines (or those after `after`), then each batch of new lines. Resumable with the cursor of the last batch.",
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { project: string; stage: string; component: string; tail: number; after?: string | null }, Context>) => {
      if (!Number.isInteger(args.tail) || args.tail < 0 || args.tail > 200) throw badInput("tail", "must be between 0 and 200");
      const after = parsePosition(args.after);
      const project = await context.services.projects.requireProject(context.actor, args.project);
      const stage = await context.services.stages.findStage(project, args.stage);
      if (!stage) throw notFound(`Stage "${args.stage}" in Project "${project.slug}"`);
      return streamLogs(context.services, project.id, stage.id, args.component, args.tail, after);
    },
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
