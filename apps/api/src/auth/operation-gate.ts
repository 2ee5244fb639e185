/**
 * The gate every GraphQL operation passes before any resolver runs, on HTTP (an Apollo plugin)
 * and on the socket (onSubscribe) alike: the policy's "operation.run" on its type and root fields.
 */
import { getOperationAST, Kind, type DocumentNode } from "graphql";
import type { AppError } from "../errors.js";
import type { Actor } from "./actor.js";
import { refusal } from "./policy.js";

/** The refusal, or undefined when `actor` may run this operation. */
export function checkOperation(actor: Actor, document: DocumentNode, operationName?: string | null): AppError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  // A fragment spread at the root hides its fields: "…" is no field anyone may use but users.
  const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : ["…"]));
  return refusal(actor, "operation.run", { operation: operation.operation, fields });
}
