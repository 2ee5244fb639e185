import {
  type GraphQLArgument,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { createSchema } from "./schema.js";

/**
 * Every element of the public schema a client can see: its types, fields, arguments, enum
 * values and input fields, named as a path (`Stage.logs(tail)`), with whether it says what it is.
 */
function elements(schema: GraphQLSchema): { path: string; description: string | null | undefined }[] {
  const found: { path: string; description: string | null | undefined }[] = [];
  const args = (owner: string, list: readonly GraphQLArgument[]) => {
    for (const arg of list) found.push({ path: `${owner}(${arg.name})`, description: arg.description });
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    found.push({ path: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const path = `${type.name}.${field.name}`;
        found.push({ path, description: field.description });
        args(path, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.push({ path: `${type.name}.${field.name}`, description: field.description });
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        found.push({ path: `${type.name}.${value.name}`, description: value.description });
      }
    }
  }
  return found;
}

describe("the public schema's descriptions", () => {
  it("describe every type, field, argument, enum value and input field", async () => {
    const undescribed = elements(await createSchema())
      .filter(({ description }) => !description?.trim())
      .map(({ path }) => path);
    // A new element without a description fails here: say what it is, its unit, and when it is null.
    expect(undescribed).toEqual([]);
  });

  it("finds an element without one (the check can fail)", async () => {
    const schema = await createSchema();
    const stage = schema.getType("Stage");
    if (!isObjectType(stage)) throw new Error("Stage is not an object type");
    stage.getFields().name.description = undefined;
    const undescribed = elements(schema)
      .filter((e) => !e.description)
      .map((e) => e.path);
    expect(undescribed).toContain("Stage.name");
  });
});
