/** `node(id:)` and `nodes(ids:)`: any object by its global id, as its own query would show it. */
import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { badInput } from "../errors.js";
import { projectGate, visibleNode } from "./node-access.js";
import { Node } from "./node.type.js";

/** Ids per `nodes` call, as GitHub's API caps them. */
const MAX_IDS = 100;

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: "The object of this id; null when there is none or the caller may not see it (the same answer).",
  })
  node(@Arg("id", () => ID, { description: "Any object's `id`." }) id: string, @Ctx() context: Context): Promise<object | null> {
    return resolveNodes(context, [id]).then(([node]) => node ?? null);
  }

  @Query(() => [Node], {
    nullable: "items",
    description: `The objects of these ids, in their order; null for each that does not exist or the caller may not see. At most ${MAX_IDS} ids.`,
  })
  nodes(@Arg("ids", () => [ID], { description: "Any objects' ids." }) ids: string[], @Ctx() context: Context): Promise<(object | null)[]> {
    if (ids.length > MAX_IDS) throw badInput("ids", `at most ${MAX_IDS} ids per call`);
    return resolveNodes(context, ids);
  }
}

async function resolveNodes(context: Context, ids: readonly string[]): Promise<(object | null)[]> {
  const records = await context.services.nodes.findRecords(ids);
  const mayRead = projectGate(context);
  return Promise.all(records.map((record) => visibleNode(context, record, mayRead)));
}
