/**
 * WebSocket tickets: a browser must not hold an API token (the dashboard keeps it in an
 * httpOnly cookie on its own server), yet its socket must authenticate. The dashboard's server
 * asks for a ticket with the token; the browser opens the socket with `{ ticket }` in
 * `connection_init`. A ticket is single-use (deleted when redeemed), valid 30 s, stored only
 * as a hash, and stands for its token: revoking the token ends it and its sockets.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@pergola/db/client";
import { apiTokens, socketTickets } from "@pergola/db/schema";
import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { forbidden } from "../errors.js";
import { hashToken, type Actor } from "./token.service.js";

export const TICKET_PREFIX = "pgt_";
export const TICKET_SECONDS = 30;

export class SocketTicketService {
  constructor(private readonly db: Db) {}

  async createTicket(actor: Actor): Promise<{ ticket: string; expiresAt: Date }> {
    if (actor.role === "AGENT") throw forbidden("Agents authenticate their sockets with their token");
    const ticket = TICKET_PREFIX + randomBytes(24).toString("base64url");
    await this.db.delete(socketTickets).where(lt(socketTickets.expiresAt, sql`now()`));
    const [row] = await this.db
      .insert(socketTickets)
      .values({ hash: hashToken(ticket), tokenId: actor.tokenId, expiresAt: sql`now() + ${`${TICKET_SECONDS} seconds`}::interval` })
      .returning();
    return { ticket, expiresAt: row!.expiresAt };
  }

  /** The ticket's actor, once; null when unknown, used, expired or its token revoked. */
  async redeemTicket(ticket: string): Promise<Actor | null> {
    if (!ticket.startsWith(TICKET_PREFIX) || ticket.length > 200) return null;
    const [used] = await this.db
      .delete(socketTickets)
      .where(and(eq(socketTickets.hash, hashToken(ticket)), gt(socketTickets.expiresAt, sql`now()`)))
      .returning({ tokenId: socketTickets.tokenId });
    if (!used) return null;
    const [row] = await this.db
      .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role, outpost: apiTokens.outpost })
      .from(apiTokens)
      .where(and(eq(apiTokens.id, used.tokenId), isNull(apiTokens.revokedAt)));
    return row ? { tokenId: row.id, name: row.name, role: row.role, outpost: row.outpost } : null;
  }
}
