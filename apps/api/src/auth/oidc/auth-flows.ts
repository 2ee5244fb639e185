/**
 * Short-lived sign-in state in `auth_flows`, keyed by the SHA-256 of a random secret that only
 * the browser (or the dashboard's server) holds: a leaked table row cannot resume a flow.
 * A flow is taken once — deleted as it is read — so a replayed `state` or hand-off code finds
 * nothing. Expired rows are swept where new ones are written.
 */
import type { Db } from "@pergola/db/client";
import { authFlows } from "@pergola/db/schema";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { hashToken } from "../token.service.js";

export type FlowKind = "oidc" | "handoff";

export async function saveFlow(db: Db, kind: FlowKind, secret: string, data: Record<string, unknown>, seconds: number): Promise<void> {
  await db.delete(authFlows).where(lt(authFlows.expiresAt, sql`now()`));
  await db.insert(authFlows).values({ hash: hashToken(secret), kind, data, expiresAt: sql`now() + ${`${seconds} seconds`}::interval` });
}

/** The flow's data, once; undefined when unknown, of another kind, already taken or expired. */
export async function takeFlow<T>(db: Db, kind: FlowKind, secret: string): Promise<T | undefined> {
  if (!secret || secret.length > 200) return undefined;
  const [row] = await db
    .delete(authFlows)
    .where(and(eq(authFlows.hash, hashToken(secret)), eq(authFlows.kind, kind), gt(authFlows.expiresAt, sql`now()`)))
    .returning({ data: authFlows.data });
  return row ? (row.data as T) : undefined;
}
