/**
 * The dashboard's typed documents (packages/schema/src/documents/dashboard.graphql) with their
 * generated result and variable types (`npm run codegen`), and the names of the rows it shows.
 */
export * from "@pergola/schema/generated";
export type * from "@pergola/schema/documents/dashboard";
