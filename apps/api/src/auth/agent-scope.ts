/**
 * An agent's token can do nothing but act for its own Outpost (DESIGN, Security). Checked once
 * per operation, on HTTP (an Apollo plugin) and on the socket (onSubscribe) alike: the root
 * fields of the operation must all be agent fields. Agents never reach other resolvers.
 */
import { getOperationAST, Kind, type DocumentNode } from "graphql";
import { forbidden, type AppError } from "../errors.js";
import type { Actor } from "./token.service.js";

const AGENT_FIELDS = new Set(["desiredState", "reportStatus", "heartbeat", "me", "__typename"]);
const AGENT_ONLY_FIELDS = new Set(["desiredState", "reportStatus", "heartbeat"]);

/** The refusal, or undefined when `actor` may run this operation. */
export function checkOperationScope(actor: Actor, document: DocumentNode, operationName?: string | null): AppError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : ["…"]));
  if (actor.role === "AGENT") {
    const refused = fields.find((f) => !AGENT_FIELDS.has(f));
    if (refused) return forbidden(`An agent token can only read its desired state and report; not "${refused}"`);
  } else {
    const refused = fields.find((f) => AGENT_ONLY_FIELDS.has(f));
    if (refused) return forbidden(`"${refused}" is for Outpost agents (agent tokens) only`);
  }
  return undefined;
}
