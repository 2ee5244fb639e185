/**
 * Input rules at the edge, for HTTP (an Apollo plugin, server.ts) and the socket (ws.ts's
 * onSubscribe) alike, after validation and before any resolver: every string an operation carries
 * — in an argument written in the document, in a variable, nested in input objects, lists and
 * `JSON` values — has no NUL and no lone UTF-16 surrogate (PostgreSQL refuses both bytes, so they
 * would surface as internal errors) and fits its field's length class; every `JSON` value (and
 * anything the schema does not describe) is at most 32 deep and 10,000 nodes. Values are walked
 * with a work list of their own, never by recursion, so no input costs call stack.
 * The services' own, stricter rules (slug syntax, name lengths…) still apply behind these.
 */
import {
  BREAK,
  getNamedType,
  type GraphQLInputType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type DocumentNode,
  type ASTNode,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  getOperationAST,
} from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import { parseJsonLiteral } from "../common/json-scalar.js";
import type { Context } from "../context.js";
import { AppError, badInput, ErrorCode } from "../errors.js";
import { toGraphQLError } from "./errors.js";

const KIB = 1024;

/** Longest accepted string per class, in UTF-16 code units. */
export const STRING_LIMITS = {
  slug: 63,
  /** Display names; the services allow 200 characters (their schema descriptions say so). */
  name: 200,
  email: 254,
  uri: 2 * KIB,
  configValue: KIB * KIB,
  other: 64 * KIB,
} as const;

export const JSON_LIMITS = { depth: 32, nodes: 10_000 } as const;

type StringClass = keyof typeof STRING_LIMITS;

/** `Type.field` first, then the argument's or field's name alone; anything else is `other`. */
const CLASS_OF: Record<string, StringClass> = {
  "ConfigEnvInput.name": "other",
  "ConfigEnvInput.value": "configValue",
  "ConfigFileInput.name": "uri",
  "ConfigFileInput.content": "configValue",
  "LabelInput.value": "slug",
  slug: "slug",
  project: "slug",
  stage: "slug",
  outpost: "slug",
  configuration: "slug",
  config: "slug",
  key: "slug",
  name: "name",
  region: "name",
  branch: "name",
  email: "email",
  uri: "uri",
  url: "uri",
  outpostUri: "uri",
  artifact: "uri",
};

function classOf(parentType: string | undefined, field: string | undefined): StringClass {
  if (field === undefined) return "other";
  return CLASS_OF[`${parentType}.${field}`] ?? CLASS_OF[field] ?? "other";
}

/** Why `value` is refused, or undefined. */
export function stringProblem(value: string, limit: number): string | undefined {
  if (value.length > limit) return `must be at most ${limit} characters`;
  if (value.includes("\u0000")) return "must not contain a NUL character";
  // A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    return "must not contain a lone UTF-16 surrogate";
  }
  return undefined;
}

/** A `JSON` value (or any value the schema does not describe): its strings, depth and node count. */
export function checkJsonValue(root: unknown, path: string): AppError | undefined {
  const work: { value: unknown; path: string; depth: number }[] = [{ value: root, path, depth: 1 }];
  let nodes = 0;
  for (let item = work.pop(); item; item = work.pop()) {
    if (++nodes > JSON_LIMITS.nodes) return badInput(path, `must have at most ${JSON_LIMITS.nodes} values`);
    const { value } = item;
    if (typeof value === "string") {
      const problem = stringProblem(value, STRING_LIMITS.other);
      if (problem) return badInput(item.path, problem);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (item.depth > JSON_LIMITS.depth) return badInput(path, `must be at most ${JSON_LIMITS.depth} levels deep`);
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(value).map(([k, v]) => [`.${k}`, v] as const);
    for (const [key, child] of entries) {
      const keyProblem = key.startsWith(".") ? stringProblem(key.slice(1), STRING_LIMITS.other) : undefined;
      if (keyProblem) return badInput(item.path, `has a key that ${keyProblem}`);
      work.push({ value: child, path: item.path + key, depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** Where a variable is used: the field path its value starts at, and the input type holding it. */
interface Usage {
  path: string;
  parentType?: string;
  field?: string;
}

/**
 * The first input rule `operationName`'s arguments and `variables` break, or undefined.
 * Expects a validated document (every variable defined and used, every type known).
 */
export function checkInputs(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): AppError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const { refusal, usages } = literalsOf(schema, document, operation, variables);
  if (refusal) return refusal;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!variables || !Object.hasOwn(variables, name)) continue;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    const refused = checkValue(variables[name], type, usages.get(name) ?? { path: name });
    if (refused) return refused;
  }
  return undefined;
}

/**
 * What the literals of an operation say does not change from one request to the next unless a
 * `JSON` literal holds variables: kept per parsed document (the document caches hand out the
 * same object for the same text), so a repeated operation is walked once.
 */
const literalsByDocument = new WeakMap<DocumentNode, Map<OperationDefinitionNode, ReturnType<typeof checkLiterals>>>();

function literalsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
) {
  const known = literalsByDocument.get(document)?.get(operation);
  if (known) return known;
  const checked = checkLiterals(schema, document, operation, variables);
  if (checked.usesVariables) return checked;
  const byOperation = literalsByDocument.get(document) ?? new Map();
  literalsByDocument.set(document, byOperation.set(operation, checked));
  return checked;
}

/**
 * The strings and `JSON` literals written in the document (fragments included), and where each
 * variable is used. `usesVariables`: a `JSON` literal holds variables, so the answer is this request's only. graphql-js's `visit` keeps its own stack, so a deep literal costs no call stack.
 */
function checkLiterals(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
) {
  const typeInfo = new TypeInfo(schema);
  const usages = new Map<string, Usage>();
  let refusal: AppError | undefined;
  let usesVariables = false;
  const definitions = document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION);
  /** graphql-js's `ancestors` stop before `parent`. */
  const where = (
    ancestors: readonly (ASTNode | readonly ASTNode[])[],
    parent: ASTNode | readonly ASTNode[] | undefined,
    node: ASTNode,
  ): Usage => {
    let path = "";
    let field: string | undefined;
    const chain = [...ancestors, parent, node];
    for (const [i, step] of chain.entries()) {
      if (!step || Array.isArray(step)) continue;
      const current = step as ASTNode;
      if (current.kind === Kind.VARIABLE_DEFINITION) path = current.variable.name.value;
      else if (current.kind === Kind.ARGUMENT) {
        field = current.name.value;
        path = field;
      } else if (current.kind === Kind.OBJECT_FIELD) {
        field = current.name.value;
        path = childPath(path, field);
      } else if (current.kind === Kind.LIST) {
        const list = chain[i + 1];
        const item = chain[i + 2];
        if (Array.isArray(list) && item) path += `[${list.indexOf(item)}]`;
      }
    }
    const parentType = typeInfo.getParentInputType();
    return { path, parentType: parentType ? getNamedType(parentType).name : undefined, field };
  };
  visit(
    { kind: Kind.DOCUMENT, definitions },
    visitWithTypeInfo(typeInfo, {
      enter(node, _key, parent, _path, ancestors) {
        if (refusal) return false;
        if (node.kind === Kind.VARIABLE) {
          const isDefinition = !Array.isArray(parent) && (parent as ASTNode | undefined)?.kind === Kind.VARIABLE_DEFINITION;
          if (!isDefinition && !usages.has(node.name.value)) usages.set(node.name.value, where(ancestors, parent, node));
          return undefined;
        }
        if (node.kind !== Kind.STRING && node.kind !== Kind.LIST && node.kind !== Kind.OBJECT) return undefined;
        const type = typeInfo.getInputType();
        const named = type && getNamedType(type);
        const usage = where(ancestors, parent, node);
        if (!named || named.name === "JSON") {
          // A JSON literal, or a value where the schema expects none (validation already said so).
          usesVariables ||= holdsVariables(node);
          refusal = checkJsonValue(parseJsonLiteral(node, variables), usage.path);
          return false;
        }
        if (node.kind === Kind.STRING) {
          const problem = stringProblem(node.value, STRING_LIMITS[classOf(usage.parentType, usage.field)]);
          if (problem) refusal = badInput(usage.path, problem);
        }
        return undefined;
      },
    }),
  );
  return { refusal, usages, usesVariables };
}

function holdsVariables(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}

/** A variable's value against its declared type: strings by class, JSON and the unknown as JSON. */
function checkValue(root: unknown, rootType: GraphQLInputType | undefined, usage: Usage): AppError | undefined {
  const work: { value: unknown; type: GraphQLInputType | undefined; path: string; parentType?: string; field?: string }[] = [
    { value: root, type: rootType, ...usage },
  ];
  for (let item = work.pop(); item; item = work.pop()) {
    const { value, path } = item;
    let type = item.type;
    if (type && isNonNullType(type)) type = type.ofType;
    if (value === null || value === undefined) continue;
    if (type && isListType(type)) {
      if (!Array.isArray(value)) work.push({ ...item, type: type.ofType });
      else for (const [i, v] of value.entries()) work.push({ ...item, value: v, type: type.ofType, path: `${path}[${i}]` });
      continue;
    }
    if (type && isInputObjectType(type) && typeof value === "object" && !Array.isArray(value)) {
      const fields = type.getFields();
      for (const [key, v] of Object.entries(value)) {
        const fieldType = Object.hasOwn(fields, key) ? fields[key]!.type : undefined;
        work.push({ value: v, type: fieldType, path: childPath(path, key), parentType: type.name, field: key });
      }
      continue;
    }
    if (typeof value === "string" && type && !isInputObjectType(type)) {
      const problem = stringProblem(value, STRING_LIMITS[classOf(item.parentType, item.field)]);
      if (problem) return badInput(path || "input", problem);
      continue;
    }
    const refused = checkJsonValue(value, path || "input");
    if (refused) return refused;
  }
  return undefined;
}

/** The services name a field inside the `input` argument without it (`env[0].value`): so does the edge. */
function childPath(path: string, key: string): string {
  return path === "" || path === "input" ? key : `${path}.${key}`;
}

/**
 * The input rules on HTTP, after the policy's gate (server.ts lists it first). A subscription
 * over HTTP is refused here too: its resolvers expect the socket's cursor and stream.
 */
export function inputRulesPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, operation, request }) {
          if (operation?.operation === "subscription") {
            throw toGraphQLError(
              new AppError(
                ErrorCode.BAD_USER_INPUT,
                "Subscriptions are served over WebSocket (graphql-transport-ws at /graphql), not HTTP",
              ),
              400,
            );
          }
          const refused = checkInputs(schema, document, operationName, request.variables);
          if (refused) throw toGraphQLError(refused, 400);
        },
      };
    },
  };
}
