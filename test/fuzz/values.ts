/**
 * Argument values for any input type of the schema: valid-looking ones (names of things the
 * fuzz world made, so resolvers are reached), boundaries, hostile strings, wrong types and deep
 * literals. A value is plain JSON, except `EnumValue`, which a document prints bare.
 */
import fc from "fast-check";
import { getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputType } from "graphql";

export class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

export type FuzzValue = null | boolean | number | string | EnumValue | FuzzValue[] | { [key: string]: FuzzValue };

/** Names that exist in the world the fuzz test sets up (fuzz-world.ts), plus near misses. */
export const KNOWN_NAMES = ["fuzz", "dev", "local", "admin@localhost", "main", "fuzz-config", "outpost://local", "outpost://fuzz-edge"];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "\u0000",
    "fuzz\u0000",
    "\ud800",
    "dev\udfff",
    "\udc00\ud800",
    "../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2f",
    "' OR 1=1 --",
    "'); DROP TABLE projects; --",
    '"; select pg_sleep(5); --',
    "$1",
    "%s%s%s%n",
    // A template placeholder as text, for whatever might interpolate it.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
    "${process.env}",
    "__proto__",
    "constructor",
    "\u202e\u0301\ufeff",
    "😀👩‍👩‍👧",
    "Ω≈ç√∫",
    "\r\n\t",
    " ",
    "",
    "-",
    "a".repeat(64),
    "a".repeat(101),
    "x".repeat(2049),
    "outpost://",
    "outpost://../..",
    "http://169.254.169.254/latest/meta-data",
    "00000000-0000-0000-0000-000000000000",
    "pgl_AAAAAAAAAAAAAAAAAAAAAAAA",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer({ min: 1, max: 200_000 }).map((n) => "é".repeat(n)),
);

const validLookingString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN_NAMES) },
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  fc.uuid().map(String),
);

export const stringValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: validLookingString },
  { weight: 2, arbitrary: hostileString },
);

const intValue: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -5, max: 200 }),
  fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, Number.MAX_SAFE_INTEGER),
);

const floatValue: fc.Arbitrary<number> = fc.double({ noNaN: true, noDefaultInfinity: true });

/**
 * A list or object nested `depth` levels deep: the literal that blew the stack. At most 2,500,
 * since the clients' own JSON.stringify overflows past ~4,000 (documents.ts writes 10,000
 * inline as text).
 */
export const deepValue: fc.Arbitrary<FuzzValue> = fc.tuple(fc.constantFrom(2, 40, 500, 2_500), fc.boolean()).map(([depth, asObject]) => {
  let value: FuzzValue = 1;
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
});

/** Any JSON at all: what a JSON scalar takes, and what a wrong-typed argument gets. */
const jsonValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<FuzzValue> },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.dictionary(stringValue, fc.constantFrom<FuzzValue>(1, "x", null), { maxKeys: 4 }) },
);

const wrongValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  floatValue,
  stringValue,
  fc.constant([]),
  fc.constant({}),
  deepValue,
);

function scalarValue(name: string): fc.Arbitrary<FuzzValue> {
  switch (name) {
    case "Int":
    case "UnsignedInt64":
      return intValue;
    case "Float":
      return floatValue;
    case "Boolean":
      return fc.boolean();
    case "JSON":
      return jsonValue;
    case "DateTime":
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        stringValue,
      );
    default:
      return stringValue;
  }
}

const cache = new Map<string, fc.Arbitrary<FuzzValue>>();

/** A value for `type`: mostly the right shape (with hostile content), sometimes the wrong one. */
export function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<FuzzValue> {
  const key = `${type}@${depth}`;
  let arbitrary = cache.get(key);
  if (!arbitrary) {
    arbitrary = fc.oneof({ weight: 8, arbitrary: rightShape(type, depth) }, { weight: 1, arbitrary: wrongValue });
    cache.set(key, arbitrary);
  }
  return arbitrary;
}

function rightShape(type: GraphQLInputType, depth: number): fc.Arbitrary<FuzzValue> {
  const nullable = getNullableType(type);
  const inner = rightShapeOf(nullable, depth);
  return isNonNullType(type) ? inner : fc.oneof({ weight: 5, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
}

function rightShapeOf(type: GraphQLInputType, depth: number): fc.Arbitrary<FuzzValue> {
  if (isListType(type)) return fc.array(valueFor(type.ofType, depth + 1), { maxLength: depth > 2 ? 1 : 4 });
  if (isEnumType(type)) {
    const names = type.getValues().map((v) => v.name);
    return fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...names).map((n) => new EnumValue(n)) },
      fc.constant(new EnumValue("NOT_A_VALUE")),
    );
  }
  if (isScalarType(type)) return scalarValue(type.name);
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    const required = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name);
    const model = Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, depth + 1)]));
    const extra = fc.dictionary(fc.constantFrom("unknownField", "__proto__", "constructor"), fc.constant<FuzzValue>(1), { maxKeys: 1 });
    return fc.oneof(
      { weight: 6, arbitrary: fc.record(model, { requiredKeys: required }) as fc.Arbitrary<FuzzValue> },
      { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<FuzzValue> },
      { weight: 1, arbitrary: extra as fc.Arbitrary<FuzzValue> },
    );
  }
  return wrongValue;
}

/** The value as a GraphQL literal, for arguments written inline in the document. */
export function printLiteral(value: FuzzValue): string {
  // Deep literals (`deepValue`) are printed in a loop: recursion would overflow here first.
  let depth = 0;
  let asObject = false;
  while ((Array.isArray(value) && value.length === 1) || isSingleA(value)) {
    asObject = !Array.isArray(value);
    value = Array.isArray(value) ? value[0]! : (value as { a: FuzzValue }).a;
    depth++;
  }
  if (depth > 0) return `${(asObject ? "{a: " : "[").repeat(depth)}${printLiteral(value)}${(asObject ? "}" : "]").repeat(depth)}`;
  if (value === null) return "null";
  if (value instanceof EnumValue) return value.name;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toExponential();
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(printLiteral).join(", ")}]`;
  const fields = Object.entries(value).map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : "_bad"}: ${printLiteral(v)}`);
  return `{${fields.join(", ")}}`;
}

function isSingleA(value: FuzzValue): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof EnumValue) &&
    Object.keys(value).length === 1 &&
    "a" in value
  );
}
