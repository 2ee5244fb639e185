/**
 * Relay connections beside the plain lists: `XConnection { edges { cursor node } pageInfo
 * totalCount }`, paged forward with `first` and `after` (common/keyset.ts reads the pages).
 */
import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";
import { PAGE_SIZE } from "../common/keyset.js";

@ObjectType({ description: "Where a page stands in its list (Relay's PageInfo)." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when items follow this page: ask again with `after: endCursor`." })
  hasNextPage: boolean;

  @Field(() => Boolean, { description: "Always false: these connections page forward only, with `first` and `after`." })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: "The cursor of the page's first item; null for an empty page." })
  startCursor: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The cursor of the page's last item, the next page's `after`; null for an empty page.",
  })
  endCursor: string | null;
}

/** `first` and `after`, as every connection takes them. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    defaultValue: PAGE_SIZE.default,
    description: `How many items, 1 to ${PAGE_SIZE.max}. The query's cost counts each item's selection this many times.`,
  })
  first: number;

  @Field(() => String, {
    nullable: true,
    description:
      "An edge's `cursor` (or `pageInfo.endCursor`) from this same list: the items after it. Omitted: from the start. A cursor of another list is BAD_USER_INPUT.",
  })
  after?: string | null;
}

/**
 * The base of a connection type over `node` (an abstract class each domain names and may extend),
 * with its edge type `<name>Edge`. `noun` is the product's word for the items, plural.
 */
export function Connection<N extends object>(node: ClassType<N>, name: string, noun: string) {
  @ObjectType(`${name}Edge`, { description: `One of the ${noun} in a page, with its cursor.` })
  class Edge {
    @Field(() => String, { description: "Where it stands in the list: `after` it starts the next page." })
    cursor: string;

    @Field(() => node, { description: `One of the ${noun}.` })
    node: N;
  }

  // Not in the schema itself: type-graphql emits only the types the resolvers reach, and they
  // reach the named subclass.
  @ObjectType(`${name}ConnectionBase`, { description: `The fields of ${name}Connection.` })
  abstract class ConnectionBase {
    @Field(() => [Edge], { description: `The page's ${noun}, in the list's order.` })
    edges: Edge[];

    @Field(() => PageInfo, { description: "Whether more follow, and the cursors to ask for them." })
    pageInfo: PageInfo;

    @Field(() => Int, {
      description: `How many ${noun} the list holds across all pages (with its filters). Counted only when selected: one more statement.`,
    })
    totalCount: number;
  }
  return ConnectionBase;
}
