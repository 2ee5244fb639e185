/** Every shared document is valid against the checked-in schema (which a test keeps in step with the API). */
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { listDocuments } from "./documents/typed.js";

// Loading each documents module registers its documents.
import.meta.glob("./documents/*.ts", { eager: true });

const schema = buildSchema(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

describe("shared GraphQL documents", () => {
  it("all validate against schema.graphql", () => {
    const problems = listDocuments().flatMap(({ name, source }) => validate(schema, parse(source)).map((e) => `${name}: ${e.message}`));
    expect(problems).toEqual([]);
  });
});
