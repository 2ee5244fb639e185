import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { DateTimeResolver } from "graphql-scalars";

export const DateTime = DateTimeResolver;
export { JSONScalar } from "./json-scalar.js";

const MAX_UINT64 = 2n ** 64n - 1n;

function toUnsignedInt64(value: unknown): bigint {
  const digits = typeof value === "string" && /^(0|[1-9][0-9]*)$/.test(value);
  const whole = (typeof value === "number" && Number.isSafeInteger(value)) || typeof value === "bigint" || digits;
  const n = whole ? BigInt(value as string | number | bigint) : -1n;
  if (n < 0n || n > MAX_UINT64)
    throw new GraphQLError(`UnsignedInt64 cannot represent ${String(value)}: a whole number from 0 to 2^64 - 1 is expected`);
  return n;
}

/**
 * Byte counts and other whole numbers that outgrow GraphQL's 32-bit `Int`. A string of decimal
 * digits, as Shopify's `UnsignedInt64`: a JSON number is a double in JavaScript clients, exact only
 * up to 2^53, so `Float` would silently round the large values this type exists for.
 */
export const UnsignedInt64 = new GraphQLScalarType<bigint, string>({
  name: "UnsignedInt64",
  description: 'A whole number from 0 to 2^64 - 1, written as a string of decimal digits (e.g. "3221225472") so that no client rounds it.',
  serialize: (value) => toUnsignedInt64(value).toString(),
  parseValue: toUnsignedInt64,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT)
      throw new GraphQLError("UnsignedInt64 is a string of decimal digits", { nodes: ast });
    return toUnsignedInt64(ast.value);
  },
});
