/** Component's global id, and the Release of a batch of log lines as an object. */
import { Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { toGlobalId } from "../node/global-id.js";
import { Release } from "../releases/release.type.js";
import { ComponentLogLines } from "./component-log.type.js";
import { Component } from "./component.type.js";

@Resolver(() => Component)
export class ComponentIdResolver {
  @FieldResolver(() => ID, {
    description: "Its unique ID: one per Component of each Release (a new Release's Components are new objects).",
  })
  id(@Root() component: Component & { releaseId: string }): string {
    return toGlobalId("Component", `${component.releaseId}/${component.name}`);
  }
}

@Resolver(() => ComponentLogLines)
export class ComponentLogLinesRelationsResolver {
  @FieldResolver(() => Release, { description: "The Release whose Component wrote them." })
  async release(@Root() lines: ComponentLogLines, @Ctx() { loaders }: Context): Promise<Release> {
    return (await loaders.releaseById.load(lines.releaseId)) as Release;
  }
}
