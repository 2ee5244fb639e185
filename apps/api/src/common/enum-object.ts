/** `{ DEV: "DEV", QA: "QA", … }`: a closed set of @pergola/schema as an object, for `StageState.RUNNING`. */
export type EnumObject<T extends string> = { readonly [V in T]: V };

/** The object of a closed set: what type-graphql registers as an enum, and how the API's code names a value. */
export function enumObject<const T extends string>(values: readonly T[]): EnumObject<T> {
  return Object.freeze(Object.fromEntries(values.map((value) => [value, value]))) as EnumObject<T>;
}
