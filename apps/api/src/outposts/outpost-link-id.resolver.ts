/** OutpostLink's global id: one link per Stage on an Outpost. */
import { FieldResolver, ID, Resolver, Root } from "type-graphql";
import { toGlobalId } from "../node/global-id.js";
import type { LinkView } from "./outpost-link.js";
import { OutpostLink } from "./outpost.type.js";

@Resolver(() => OutpostLink)
export class OutpostLinkIdResolver {
  @FieldResolver(() => ID, { description: "Its unique ID: one per Stage on an Outpost." })
  id(@Root() link: LinkView): string {
    return toGlobalId("OutpostLink", link.stageId);
  }
}
