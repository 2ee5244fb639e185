/**
 * The typed documents' shared parts. The documents themselves are the `*.graphql` files beside
 * this one; `npm run codegen` turns them into ../generated/graphql.ts: each a TypedDocumentNode
 * (which urql and the clients here accept) with its result and variable types, generated from
 * schema.graphql.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type DocumentNode } from "graphql";

export type TypedDocument<Result, Variables> = TypedDocumentNode<Result, Variables>;

const sources = new WeakMap<DocumentNode, string>();

/** A document's text, for clients that send strings (graphql-ws, a plain POST). */
export function getSource(document: DocumentNode): string {
  let source = sources.get(document);
  if (source === undefined) {
    source = print(document);
    sources.set(document, source);
  }
  return source;
}
