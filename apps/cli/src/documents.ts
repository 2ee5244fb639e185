/** The CLI's typed documents (packages/schema/src/documents/cli.ts), validated against the schema by its test. */
export * from "@pergola/schema/documents/cli";
