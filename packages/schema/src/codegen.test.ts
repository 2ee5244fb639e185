/**
 * The generated client types are committed (a clean clone builds without generating), so this
 * check keeps them in step with schema.graphql and the documents: it regenerates in memory and
 * compares. Generating also validates every document against the schema.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateClientTypes, OUTPUT } from "../codegen.mjs";

describe("generated client types", () => {
  it(`${OUTPUT} is what npm run codegen writes (every document valid against schema.graphql)`, async () => {
    const committed = readFileSync(new URL(`../${OUTPUT}`, import.meta.url), "utf8");
    expect(committed, `${OUTPUT} is stale: run npm run codegen and commit it`).toBe(await generateClientTypes());
  });
});
