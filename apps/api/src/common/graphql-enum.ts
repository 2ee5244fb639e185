import { registerEnumType } from "type-graphql";
import { type EnumObject, enumObject } from "./enum-object.js";

/** type-graphql's EnumConfig (name, description, valuesConfig), which its package does not export. */
type EnumConfig<T extends string> = Parameters<typeof registerEnumType<EnumObject<T>>>[1];

/**
 * Registers one of @pergola/schema's closed sets as a GraphQL enum whose value names are the
 * values themselves, and returns its object (`StageState.RUNNING`) for the API's code.
 */
export function graphqlEnum<const T extends string>(values: readonly T[], config: EnumConfig<T>): EnumObject<T> {
  const object = enumObject(values);
  registerEnumType(object, config);
  return object;
}
