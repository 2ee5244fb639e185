import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { printSchemaFile } from "./print-schema.js";

const committed = fileURLToPath(new URL("../../../../packages/schema/schema.graphql", import.meta.url));

describe("packages/schema/schema.graphql", () => {
  it("is what the resolvers generate (run `npm run schema` after changing them)", async () => {
    expect(await readFile(committed, "utf8")).toBe(await printSchemaFile());
  });
});
