/**
 * The cost limit, with the page sizes an operation really asks for. A validation rule sees the
 * document but not its variables, so graphql-armor's cost rule multiplied a list by `first` only
 * when `first` was written as a number: `stagesConnection(project: $p, first: $n)` and a
 * connection left at its default of 50 each cost one item. This runs where the variables are
 * known, after validation and before any resolver, on HTTP (inputRulesPlugin) and the socket
 * (ws.ts) alike.
 *
 * The cost of a field: 1 for a leaf; for a field with a selection, 2 plus 1.5 × the cost of what
 * it selects (so nesting costs more). A field that takes `first` (or `last`) returns up to that many items,
 * the value given (in the document or a variable) or else the argument's default: a plain list
 * costs that many times over, a connection counts its `edges` that many times (an edge and its
 * `node` are wrappers and cost nothing themselves; `pageInfo` and `totalCount` count once).
 * Fragments count where they are spread. An operation costs the sum of its root fields; above
 * MAX_COST it is refused with BAD_USER_INPUT before it runs. So a page of 500 Stages' IDs passes,
 * and 500 Stages with their Releases, Components and Project do not: ask for fewer.
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isObjectType,
  isInterfaceType,
  Kind,
  type SelectionSetNode,
  type GraphQLNamedType,
} from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Context } from "../context.js";
import { pageSize } from "../common/keyset.js";
import { AppError, ErrorCode } from "../errors.js";
import { toGraphQLError } from "./errors.js";

export const MAX_COST = 5000;

const LEAF_COST = 1;
const OBJECT_COST = 2;
const NESTING_FACTOR = 1.5;

/**
 * The operation's cost as described above. Expects a validated document (no fragment cycles).
 * Throws BAD_USER_INPUT on `first` when a connection's is out of range.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const variableDefaults = new Map<string, number>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue?.kind === Kind.INT) variableDefaults.set(v.variable.name.value, Number(v.defaultValue.value));
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // A fragment costs the same wherever it is spread with the same page size: counted once, so
  // spreading one fragment many times over does not make counting it exponential.
  const fragmentCosts = new Map<string, number>();

  /** `page`: the page size of the connection `parent` is, for its `edges`. */
  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType | null | undefined, page: number): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parent, page);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, on, page);
      } else {
        const key = `${selection.name.value}:${page}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          const fragment = fragments.get(selection.name.value);
          cost = fragment ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), page) : 0;
          fragmentCosts.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType | null | undefined, page: number): number => {
    // `__typename` is no work (clients' caches, urql's among them, add it to every selection).
    if (node.name.value === "__typename") return 0;
    if (!node.selectionSet) return LEAF_COST;
    // Introspection (`__schema`, `__type`) is not the data's work, and is off in production.
    if (node.name.value.startsWith("__")) return 0;
    const definition = fieldOf(parent, node.name.value);
    const type = definition && getNamedType(definition.type);
    // A connection's `edges` and an edge's `node` are wrappers: an item of a page costs what it
    // would in a plain list, once per item.
    if (node.name.value === "edges" && isConnection(parent)) return page * selectionCost(node.selectionSet, type, 1);
    if (node.name.value === "node" && isEdge(parent)) return selectionCost(node.selectionSet, type, 1);
    const first = firstOf(node, definition, variables, variableDefaults);
    // A connection's `first` out of range is refused here already, naming it (as its resolver would).
    if (isConnection(type)) return OBJECT_COST + NESTING_FACTOR * selectionCost(node.selectionSet, type, pageSize(first));
    const size = typeof first === "number" && Number.isFinite(first) && first > 1 ? first : 1;
    return (OBJECT_COST + NESTING_FACTOR * selectionCost(node.selectionSet, type, 1)) * size;
  };

  return selectionCost(operation.selectionSet, root, 1);
}

/** The cost, or BAD_USER_INPUT when it is above MAX_COST. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): AppError | undefined {
  let cost: number;
  try {
    cost = operationCost(schema, document, operationName, variables);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  if (cost <= MAX_COST) return undefined;
  return new AppError(
    ErrorCode.BAD_USER_INPUT,
    `The operation costs ${Math.ceil(cost)}, above the limit of ${MAX_COST}: ask for smaller pages (\`first\`) or fewer fields`,
    { cost: Math.ceil(cost), maxCost: MAX_COST },
  );
}

/** `XConnection { edges pageInfo }` (graphql/connection.type.ts). */
function isConnection(type: GraphQLNamedType | null | undefined): boolean {
  return isObjectType(type) && type.name.endsWith("Connection") && "edges" in type.getFields() && "pageInfo" in type.getFields();
}

function isEdge(type: GraphQLNamedType | null | undefined): boolean {
  return isObjectType(type) && type.name.endsWith("Edge") && "node" in type.getFields();
}

/** The field's definition; none on a union (whose only field, __typename, is a leaf). */
function fieldOf(parent: GraphQLNamedType | null | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

/**
 * The field's `first` (or, on a list that counts from the newest, `last`) as the resolver will get
 * it (in the document, a variable, or the default); undefined without one.
 */
function firstOf(
  node: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  variableDefaults: ReadonlyMap<string, number>,
): number | undefined {
  const declared = definition?.args.find((a) => a.name === "first") ?? definition?.args.find((a) => a.name === "last");
  if (!declared) return undefined;
  const given = node.arguments?.find((a) => a.name.value === declared.name)?.value;
  let value: unknown = declared.defaultValue;
  if (given?.kind === Kind.INT) value = Number(given.value);
  else if (given?.kind === Kind.VARIABLE) {
    const name = given.name.value;
    value = variables?.[name] ?? variableDefaults.get(name) ?? declared.defaultValue;
  }
  return typeof value === "number" ? value : undefined;
}

/** The cost limit on HTTP, once the operation and its variables are known (server.ts). */
export function costLimitPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          const refused = checkCost(schema, document, operationName, request.variables);
          if (refused) throw toGraphQLError(refused, 400);
        },
      };
    },
  };
}
