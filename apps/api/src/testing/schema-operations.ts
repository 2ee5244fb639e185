/**
 * Minimal operations generated from the executable schema, for tests that must cover every root
 * field (the authorization matrix): each Query, Mutation and Subscription field, its arguments
 * filled by a caller-given rule (or generated from their types), and the smallest selection set.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";

export type OperationKind = "query" | "mutation" | "subscription";

export interface RootField {
  kind: OperationKind;
  /** "Query.me", "Mutation.signIn", "Subscription.events". */
  key: string;
  field: GraphQLField<unknown, unknown>;
}

/** Every root field of the schema, Query then Mutation then Subscription, each by name. */
export function listRootFields(schema: GraphQLSchema): RootField[] {
  const roots: [OperationKind, ReturnType<GraphQLSchema["getQueryType"]>][] = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {})
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((field) => ({ kind, key: `${type!.name}.${field.name}`, field })),
  );
}

/** Where an argument or input field sits: its name, its type, whether the schema requires it. */
export interface ValueSlot {
  root: RootField;
  name: string;
  type: GraphQLInputType;
  required: boolean;
}

/** A value for the slot, or undefined: required slots then get a generated value, optional ones are left out. */
export type ValueRule = (slot: ValueSlot) => unknown;

const required = (arg: GraphQLArgument | GraphQLInputField) => isNonNullType(arg.type) && arg.defaultValue === undefined;

/** The arguments of a root field: those the rule names, and every required one. */
export function fillArguments(root: RootField, rule: ValueRule): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const arg of root.field.args) {
    const value = valueFor(root, arg, rule);
    if (value !== undefined) args[arg.name] = value;
  }
  return args;
}

function valueFor(root: RootField, slot: GraphQLArgument | GraphQLInputField, rule: ValueRule): unknown {
  const chosen = rule({ root, name: slot.name, type: slot.type, required: required(slot) });
  if (chosen !== undefined) return chosen;
  return required(slot) ? generate(root, slot.name, slot.type, rule) : undefined;
}

/** A plausible value of `type`: unique strings (an email where the name says so), 1, false, the first enum value. */
function generate(root: RootField, name: string, type: GraphQLInputType, rule: ValueRule): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [generate(root, name, inner.ofType, rule)];
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      const v = valueFor(root, field, rule);
      if (v !== undefined) value[field.name] = v;
    }
    return value;
  }
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  const unique = randomBytes(4).toString("hex");
  switch (inner.name) {
    case "String":
      return /email/i.test(name) ? `gen-${unique}@example.test` : `gen-${unique}`;
    case "ID":
      return randomUUID();
    case "Int":
    case "Float":
      return 1;
    case "UnsignedInt64":
      return "1";
    case "Boolean":
      return false;
    case "DateTime":
      return new Date().toISOString();
    case "JSON":
      return {};
    default:
      throw new Error(`No value rule for ${root.key}(${name}: ${inner.name})`);
  }
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

/**
 * `query($a0: T!, …) { field(arg: $a0, …) { __typename } }`: every argument given (not
 * undefined) a variable, the selection `selection` (default `{ __typename }` for object
 * results, none for leaves); with `inFragment`, the field inside `... on Query { }`.
 */
export function buildOperation(
  root: RootField,
  args: Record<string, unknown>,
  selection?: string,
  options: { inFragment?: boolean } = {},
): Operation {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const passed: string[] = [];
  root.field.args.forEach((arg, i) => {
    if (args[arg.name] === undefined) return;
    variables[`a${i}`] = args[arg.name];
    declarations.push(`$a${i}: ${String(arg.type)}`);
    passed.push(`${arg.name}: $a${i}`);
  });
  const select = selection ?? (isLeafType(getNamedType(root.field.type)) ? "" : "{ __typename }");
  const vars = declarations.length ? `(${declarations.join(", ")})` : "";
  const call = passed.length ? `(${passed.join(", ")})` : "";
  const field = `${root.field.name}${call} ${select}`;
  // In an inline fragment, the root field is hidden from whatever reads only the root's fields.
  const body = options.inFragment ? `... on ${root.key.split(".")[0]} { ${field} }` : field;
  return { query: `${root.kind} Matrix${vars} { ${body} }`, variables };
}

/** GraphQL's own complaints about an operation (validation, variable coercion): a generator bug, never an answer to classify. */
export function operationProblems(schema: GraphQLSchema, operation: Operation): string[] {
  const document = parse(operation.query);
  const invalid = validate(schema, document);
  if (invalid.length) return invalid.map((e) => e.message);
  const definition = document.definitions[0]!;
  if (definition.kind !== "OperationDefinition") return ["not an operation"];
  const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], operation.variables);
  return coerced.errors?.map((e) => e.message) ?? [];
}
