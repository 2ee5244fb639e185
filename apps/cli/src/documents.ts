/**
 * The CLI's typed documents (packages/schema/src/documents/cli.graphql) with their generated
 * result and variable types (`npm run codegen`), and the names of the rows it prints.
 */
export * from "@pergola/schema/generated";
export type * from "@pergola/schema/documents/cli";
