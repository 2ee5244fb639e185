/** Writes packages/schema/schema.graphql from the type-graphql resolvers (`npm run schema`). */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { printSchemaFile } from "../graphql/print-schema.js";

const target = fileURLToPath(new URL("../../../../packages/schema/schema.graphql", import.meta.url));
await writeFile(target, await printSchemaFile());
console.log(`wrote ${target}`);
