/** The `Node` interface: every object with an id that `node(id:)` finds again. */
import { Field, ID, InterfaceType } from "type-graphql";

/** Where `node`/`nodes` put the GraphQL type of what they return (the rows themselves do not say). */
export const NODE_TYPE = Symbol("GraphQL type of a node");

export type NodeTypeName =
  | "Project"
  | "Stage"
  | "Release"
  | "Build"
  | "Configuration"
  | "Component"
  | "Outpost"
  | "OutpostLink"
  | "User"
  | "AccessKey"
  | "Actor";

@InterfaceType({
  description:
    "An object with a globally unique id: `node(id:)` finds it again, and a normalized client cache keys it by `__typename` and `id`.",
  resolveType: (value: { [NODE_TYPE]?: NodeTypeName }) => value[NODE_TYPE],
})
export abstract class Node {
  @Field(() => ID, { description: "Globally unique and opaque; stable for the object's life." })
  id: string;
}

export function asNode<T extends object>(type: NodeTypeName, value: T): T & { [NODE_TYPE]: NodeTypeName } {
  return { ...value, [NODE_TYPE]: type };
}
