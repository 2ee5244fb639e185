import { lexicographicSortSchema, printSchema } from "graphql";
import { createSchema } from "./schema.js";

/** The schema as committed in packages/schema/schema.graphql (sorted, so diffs stay small). */
export async function printSchemaFile(): Promise<string> {
  const sdl = printSchema(lexicographicSortSchema(await createSchema()));
  return `# Generated from apps/api by \`npm run schema\`. Do not edit: a test fails when it drifts.\n\n${sdl}\n`;
}
