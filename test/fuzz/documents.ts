/**
 * GraphQL requests built from `packages/schema/schema.graphql`: one root field of Query,
 * Mutation or Subscription with generated arguments (inline literals or variables), aliases,
 * fragments, fragment chains and cycles, and a few broken documents. Every field of the schema
 * can be drawn; nothing here knows a field by name.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  buildSchema,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from "graphql";
import { type FuzzValue, printLiteral, valueFor } from "./values.js";

export interface FuzzRequest {
  query: string;
  variables?: Record<string, FuzzValue>;
  /** Subscriptions stay open over graphql-ws when valid: the runner stops waiting after a quiet spell. */
  subscription: boolean;
}

const schema = buildSchema(readFileSync(new URL("../../packages/schema/schema.graphql", import.meta.url), "utf8"));

type RootKind = "query" | "mutation" | "subscription";
const roots: [RootKind, GraphQLObjectType][] = [
  ["query", schema.getQueryType()!],
  ["mutation", schema.getMutationType()!],
  ["subscription", schema.getSubscriptionType()!],
];
const rootFields = roots.flatMap(([kind, type]) => Object.values(type.getFields()).map((field) => ({ kind, field })));

/** Leaves of a type, and one level of objects under it (the depth limit is not what is fuzzed here). */
function selectionOf(type: GraphQLNamedType, depth = 0): string {
  if (isLeafType(type)) return "";
  if (isUnionType(type) || isInterfaceType(type)) {
    const members = isUnionType(type) ? type.getTypes() : schema.getPossibleTypes(type);
    const inline = members.slice(0, 3).map((member) => `... on ${member.name} ${selectionOf(member, depth + 1) || "{ __typename }"}`);
    return `{ __typename ${inline.join(" ")} }`;
  }
  if (!isObjectType(type)) return "";
  const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => a.type.toString().endsWith("!") === false));
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).map((f) => f.name);
  const objects = depth < 1 ? fields.filter((f) => !isLeafType(getNamedType(f.type))).slice(0, 2) : [];
  const nested = objects.map((f) => `${f.name} ${selectionOf(getNamedType(f.type), depth + 1)}`).filter((s) => !s.endsWith(" "));
  return `{ __typename ${[...leaves, ...nested].join(" ")} }`;
}

const alias = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,8}$/).map((a) => `${a}: `),
);

/** The root field called with generated arguments, each inline or through a variable. */
function call(field: GraphQLField<unknown, unknown>) {
  const args = field.args.map((arg) =>
    fc.record({
      present: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, fc.constant(false)),
      asVariable: fc.boolean(),
      value: valueFor(arg.type),
    }),
  );
  return fc.tuple(fc.tuple(...args), alias, fc.integer({ min: 1, max: 3 })).map(([values, name, copies]) => {
    const variables: Record<string, FuzzValue> = {};
    const definitions: string[] = [];
    const written: string[] = [];
    values.forEach((v, i) => {
      const arg = field.args[i]!;
      if (!v.present) return;
      if (v.asVariable) {
        variables[`v${i}`] = v.value;
        definitions.push(`$v${i}: ${arg.type}`);
        written.push(`${arg.name}: $v${i}`);
      } else written.push(`${arg.name}: ${printLiteral(v.value)}`);
    });
    const argumentText = written.length ? `(${written.join(", ")})` : "";
    // The same field under several aliases: one request, several resolver calls.
    const calls = Array.from({ length: copies }, (_, i) => `${i === 0 ? name : `c${i}: `}${field.name}${argumentText}`);
    return { calls, variables, definitions };
  });
}

/** Fragments over the root type: a plain one, a chain of n spreading the next, or a cycle. */
const fragmentShape = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: "none" as const, length: 0 }) },
  { weight: 2, arbitrary: fc.constant({ kind: "chain" as const, length: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(5, 60, 3_000).map((length) => ({ kind: "chain" as const, length })) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2, 5).map((length) => ({ kind: "cycle" as const, length })) },
);

function wellFormed(kind: RootKind, field: GraphQLField<unknown, unknown>, rootType: GraphQLObjectType): fc.Arbitrary<FuzzRequest> {
  const selection = selectionOf(getNamedType(field.type));
  return fc.tuple(call(field), fragmentShape).map(([{ calls, variables, definitions }, fragments]) => {
    const body = calls.map((c) => `${c} ${selection}`).join(" ");
    const header = `${kind} Fuzz${definitions.length ? `(${definitions.join(", ")})` : ""}`;
    const subscription = kind === "subscription";
    if (fragments.kind === "none") return { query: `${header} { ${body} }`, variables, subscription };
    const names = Array.from({ length: fragments.length }, (_, i) => `F${i}`);
    const defs = names.map((name, i) => {
      const next = names[i + 1] ?? (fragments.kind === "cycle" ? names[0] : undefined);
      return `fragment ${name} on ${rootType.name} { ${next ? `...${next} ` : ""}${next && fragments.kind === "chain" ? "" : body} }`;
    });
    return { query: `${header} { ...F0 } ${defs.join(" ")}`, variables, subscription };
  });
}

/** Documents no client would write: cut short, deep literals inline, junk. */
const broken: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(fc.constantFrom(...rootFields), fc.nat()).map(([{ kind, field }, cut]) => {
    const text = `${kind} { ${field.name}${field.args.length ? `(${field.args[0]!.name}: "x")` : ""} ${selectionOf(getNamedType(field.type))} }`;
    return { query: text.slice(0, cut % text.length), subscription: false };
  }),
  fc.tuple(fc.constantFrom(2_500, 10_000), fc.constantFrom(["[", "]"], ["{a: ", "}"])).map(([depth, [open, close]]) => ({
    query: `query { validateManifest(manifest: ${open!.repeat(depth)}1${close!.repeat(depth)}) { valid } }`,
    subscription: false,
  })),
  fc.string({ unit: "binary", maxLength: 60 }).map((query) => ({ query, subscription: false })),
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.constantFrom(...rootFields).chain(({ kind, field }) => wellFormed(kind, field, roots.find(([k]) => k === kind)![1])),
  },
  { weight: 1, arbitrary: broken },
);

/** Every root field, for the report of what a run covered. */
export const rootFieldNames = rootFields.map(({ kind, field }) => `${kind}.${field.name}`);
