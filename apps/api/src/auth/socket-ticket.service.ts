/**
 * WebSocket tickets: a browser must not hold an API token (the dashboard keeps it in an
 * httpOnly cookie on its own server), yet its socket must authenticate. The dashboard's server
 * asks for a ticket with the token; the browser opens the socket with `{ ticket }` in
 * `connection_init`. A ticket is single-use (deleted when redeemed), valid 30 s, stored only
 * as a hash, and stands for its token: revoking the token ends it and its sockets.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@pergola/db/client";
import { socketTickets } from "@pergola/db/schema";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { authorize } from "./policy.js";
import { getActorByTokenId, hashToken, type Actor } from "./token.service.js";

export const TICKET_PREFIX = "pgt_";
export const TICKET_SECONDS = 30;

export class SocketTicketService {
  constructor(private readonly db: Db) {}

  async createTicket(actor: Actor): Promise<{ ticket: string; expiresAt: Date }> {
    authorize(actor, "ticket.create", undefined);
    const ticket = TICKET_PREFIX + randomBytes(24).toString("base64url");
    await this.db.delete(socketTickets).where(lt(socketTickets.expiresAt, sql`now()`));
    const [row] = await this.db
      .insert(socketTickets)
      .values({ hash: hashToken(ticket), tokenId: actor.tokenId, expiresAt: sql`now() + ${`${TICKET_SECONDS} seconds`}::interval` })
      .returning();
    return { ticket, expiresAt: row!.expiresAt };
  }

  /** The ticket's actor, once; null when unknown, used, expired or its credential disabled. */
  async redeemTicket(ticket: string): Promise<Actor | null> {
    if (!ticket.startsWith(TICKET_PREFIX) || ticket.length > 200) return null;
    const [used] = await this.db
      .delete(socketTickets)
      .where(and(eq(socketTickets.hash, hashToken(ticket)), gt(socketTickets.expiresAt, sql`now()`)))
      .returning({ tokenId: socketTickets.tokenId });
    return used ? getActorByTokenId(this.db, used.tokenId) : null;
  }
}
