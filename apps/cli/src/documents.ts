/**
 * The CLI's typed documents (packages/schema/src/documents/cli.ts). @pergola/schema exports
 * only its index and schema.graphql, so until it exports `./documents/*` this reaches its
 * built file by path (inside the workspace; the dependency still points apps → packages).
 */
export * from "../../../packages/schema/dist/documents/cli.js";
