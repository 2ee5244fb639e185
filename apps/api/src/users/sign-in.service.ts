/**
 * Sign-in with email and password: a session token (`pgs_…`, 12 h) sent as `Bearer` like any
 * key. One answer for an unknown email, a wrong password and a disabled user, and each takes
 * an argon2 verification, so neither the answer nor its time tells which. Failures are counted
 * in the audit log, by email and by caller's address: 10 within 10 minutes, and sign-in is
 * refused (TOO_MANY_REQUESTS, with the wait) until the oldest leaves the window.
 */
import type { Db } from "@pergola/db/client";
import { apiTokens, users, type UserRow } from "@pergola/db/schema";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { createCredential } from "../auth/token.service.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit, type AuditService } from "../audit/audit.service.js";
import { AppError, ErrorCode, unauthenticated } from "../errors.js";
import type { CredentialRevoker } from "./user.service.js";
import { verifyPassword } from "./password.js";

export const SESSION_HOURS = 12;
export const SIGN_IN_WINDOW_SECONDS = 600;
export const SIGN_IN_MAX_FAILURES = 10;
const WRONG = "Wrong email or password";

export interface Session {
  token: string;
  expiresAt: Date;
  user: UserRow;
}

export class SignInService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly revoker: CredentialRevoker,
  ) {}

  async signIn(email: string, password: string, address: string): Promise<Session> {
    const tried = email.trim().toLowerCase().slice(0, 254);
    const failures = await this.audit.recentFailures(tried, address, SIGN_IN_WINDOW_SECONDS);
    if (failures.byEmail >= SIGN_IN_MAX_FAILURES || failures.byAddress >= SIGN_IN_MAX_FAILURES) {
      throw new AppError(ErrorCode.TOO_MANY_REQUESTS, `Too many failed sign-ins; try again in ${failures.retryAfterSeconds} s`, {
        retryAfterSeconds: failures.retryAfterSeconds,
      });
    }
    const [user] = await this.db.select().from(users).where(eq(users.email, tried));
    const matches = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !matches || user.disabledAt) {
      await recordAudit(this.db, { action: AuditAction.SIGN_IN_FAILED, actor: tried, userId: user?.id, email: tried, address });
      throw unauthenticated(WRONG);
    }
    return this.startSession(user, address, "password");
  }

  /** A session for a user who proved who they are (a password, or an OpenID provider). */
  async startSession(user: UserRow, address: string, method: "password" | "sso"): Promise<Session> {
    return this.db.transaction(async (tx) => {
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
      // Ended sessions are swept here, where new ones are made.
      await tx.delete(apiTokens).where(and(eq(apiTokens.kind, "SESSION"), lt(apiTokens.expiresAt, sql`now()`)));
      const { token } = await createCredential(tx, { name: "session", kind: "SESSION", userId: user.id, expiresAt });
      await tx.update(users).set({ lastSeenAt: new Date() }).where(eq(users.id, user.id));
      await recordAudit(tx, {
        action: AuditAction.SIGN_IN,
        actor: user.email,
        userId: user.id,
        email: user.email,
        address,
        detail: { method },
      });
      return { token, expiresAt, user };
    });
  }

  /** Ends the caller's session (its sockets close); keys are disabled or deleted instead. */
  async signOut(actor: Actor): Promise<boolean> {
    if (actor.kind !== "SESSION") return false;
    const deleted = await this.db
      .delete(apiTokens)
      .where(and(eq(apiTokens.id, actor.tokenId), eq(apiTokens.kind, "SESSION")))
      .returning({ id: apiTokens.id });
    if (deleted.length === 0) return false;
    await recordAudit(this.db, { action: AuditAction.SIGN_OUT, actor });
    await this.revoker.tokensRevoked([actor.tokenId]);
    return true;
  }
}
