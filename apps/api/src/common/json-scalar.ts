/**
 * The `JSON` scalar: graphql-scalars' JSONResolver, except that a value written inline in the
 * document is read into ordinary objects. graphql-scalars (like graphql-js's valueFromASTUntyped)
 * builds objects without a prototype, which is fine for JSON but breaks code that asks an object
 * for its constructor — drizzle's insert did, and an inline `createBuild(input: { manifest: {…} })`
 * answered INTERNAL_SERVER_ERROR while the same manifest as a variable worked.
 * The literal is walked with a stack of its own, not by recursion, so its depth costs no call stack.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ObjectValueNode, type ValueNode } from "graphql";
import { JSONResolver } from "graphql-scalars";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Reads a literal (with the operation's variables) into plain JSON values. */
export function parseJsonLiteral(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  const root: { value?: unknown } = {};
  const work: { node: ValueNode; set: (value: unknown) => void }[] = [{ node: ast, set: (value) => (root.value = value) }];
  for (let item = work.pop(); item; item = work.pop()) {
    const { node, set } = item;
    switch (node.kind) {
      case Kind.STRING:
      case Kind.ENUM:
        set(node.value);
        break;
      case Kind.BOOLEAN:
        set(node.value);
        break;
      case Kind.INT:
      case Kind.FLOAT:
        set(Number(node.value));
        break;
      case Kind.NULL:
        set(null);
        break;
      case Kind.VARIABLE:
        set(variables?.[node.name.value]);
        break;
      case Kind.LIST: {
        const list: unknown[] = new Array(node.values.length);
        set(list);
        for (const [i, child] of node.values.entries()) {
          work.push({ node: child, set: (value) => (list[i] = value) });
        }
        break;
      }
      case Kind.OBJECT:
        set(readObject(node, work));
        break;
      default:
        throw new GraphQLError(`JSON cannot represent the literal ${(node as ValueNode).kind}`, { nodes: node });
    }
  }
  return root.value;
}

function readObject(node: ObjectValueNode, work: { node: ValueNode; set: (value: unknown) => void }[]): Record<string, Json> {
  const object: Record<string, unknown> = {};
  for (const field of node.fields) {
    // defineProperty: a key named __proto__ is data, not the object's prototype.
    work.push({
      node: field.value,
      set: (value) => Object.defineProperty(object, field.name.value, { value, enumerable: true, writable: true, configurable: true }),
    });
  }
  return object as Record<string, Json>;
}

export const JSONScalar = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  parseLiteral: (ast, variables) => parseJsonLiteral(ast, variables),
});
