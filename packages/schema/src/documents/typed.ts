/**
 * Typed GraphQL documents shared by the dashboard, the CLI and the agent: each is the query
 * text plus the TypeScript types of its result and variables (TypedDocumentNode, which urql
 * and graphql-ws clients accept). Every document made with `typed` is registered, and
 * `documents.test.ts` validates them all against schema.graphql, so a document that drifts
 * from the API fails the suite rather than a user.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";

export type TypedDocument<Result, Variables = Record<string, never>> = TypedDocumentNode<Result, Variables> & {
  /** The document's text, for clients that send strings (graphql-ws). */
  source: string;
};

const registry: { name: string; source: string }[] = [];

/** Every document made so far, by name: what the schema test validates. */
export function listDocuments(): readonly { name: string; source: string }[] {
  return registry;
}

export function typed<Result, Variables = Record<string, never>>(name: string, source: string): TypedDocument<Result, Variables> {
  registry.push({ name, source });
  return Object.assign(parse(source), { source }) as unknown as TypedDocument<Result, Variables>;
}
