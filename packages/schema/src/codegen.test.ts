/**
 * The generated client types are committed (a clean clone builds without generating), so this
 * check keeps them in step with schema.graphql and the documents: it regenerates in memory and
 * compares. Generating also validates every document against the schema.
 */
import { readFileSync } from "node:fs";
import { buildSchema, NoDeprecatedCustomRule, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { generateClientTypes, OUTPUT, readDocuments, readSchema } from "../codegen.mjs";

describe("generated client types", () => {
  it(`${OUTPUT} is what npm run codegen writes (every document valid against schema.graphql)`, async () => {
    const committed = readFileSync(new URL(`../${OUTPUT}`, import.meta.url), "utf8");
    expect(committed, `${OUTPUT} is stale: run npm run codegen and commit it`).toBe(await generateClientTypes());
  });

  // What the API deprecates stays for one release: the clients here move off it at once.
  it("no document asks for a deprecated field or argument", () => {
    const schema = buildSchema(readSchema());
    const uses = readDocuments().flatMap(({ location, document }) =>
      validate(schema, document, [NoDeprecatedCustomRule]).map((e) => `${location}:${e.locations?.[0]?.line}: ${e.message}`),
    );
    expect(uses).toEqual([]);
  });
});
