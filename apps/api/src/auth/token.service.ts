/**
 * Credentials, in three shapes, each shown once and stored only as the SHA-256 hash of the
 * whole token (they are long and random: a slow hash would add nothing):
 * - access keys `<id>:<secret>` (the id is the key's, so people and logs can name a key);
 * - session tokens `pgs_…` (signIn, 12 h);
 * - `pgl_…` tokens: agents' tokens, the preset PERGOLA_ADMIN_TOKEN and tokens from before users.
 * The prefixes make a leaked token recognizable (secret scanners, logs).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db, Tx } from "@pergola/db/client";
import { apiTokens, users, type CredentialKind } from "@pergola/db/schema";
import { and, eq, gt, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { PgCode, pgErrorCode } from "../errors.js";
import type { Actor } from "./actor.js";

export type { Actor } from "./actor.js";

export const TOKEN_PREFIX = "pgl_";
export const SESSION_PREFIX = "pgs_";
const ACCESS_KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[A-Za-z0-9_-]{20,100}$/;

export function generateToken(prefix = TOKEN_PREFIX): string {
  return prefix + randomBytes(24).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Whether a presented string has the shape of any credential (checked before any lookup). */
export function isTokenShaped(token: string): boolean {
  if (token.length > 200) return false;
  return token.startsWith(TOKEN_PREFIX) || token.startsWith(SESSION_PREFIX) || ACCESS_KEY_PATTERN.test(token);
}

export interface NewCredential {
  name: string;
  kind: CredentialKind;
  userId?: string | null;
  outpost?: string | null;
  readOnly?: boolean;
  /** Sessions: when they end. */
  expiresAt?: Date | null;
  /** A preset token (the admin's, the local agent's); otherwise one is generated. */
  token?: string;
}

/** Stores a credential; returns its id and the token, which is never stored. */
export async function createCredential(db: Db | Tx, input: NewCredential): Promise<{ id: string; token: string; createdAt: Date }> {
  const id = crypto.randomUUID();
  const token =
    input.token ??
    (input.kind === "ACCESS_KEY"
      ? `${id}:${randomBytes(24).toString("base64url")}`
      : generateToken(input.kind === "SESSION" ? SESSION_PREFIX : TOKEN_PREFIX));
  const [row] = await db
    .insert(apiTokens)
    .values({
      id,
      name: input.name,
      kind: input.kind,
      userId: input.userId ?? null,
      outpost: input.outpost ?? null,
      readOnly: input.readOnly ?? false,
      expiresAt: input.expiresAt ?? null,
      prefix: token.slice(0, 8),
      hash: hashToken(token),
    })
    .returning({ createdAt: apiTokens.createdAt });
  return { id, token, createdAt: row!.createdAt };
}

/** The actor of a presented token; null when unknown, disabled, expired, or its user is disabled. */
export async function getActorByToken(db: Db, token: string): Promise<Actor | null> {
  if (!isTokenShaped(token)) return null;
  return loadActor(db, eq(apiTokens.hash, hashToken(token)));
}

/** The actor of a credential by its id (a redeemed socket ticket), with the same checks. */
export function getActorByTokenId(db: Db, tokenId: string): Promise<Actor | null> {
  return loadActor(db, eq(apiTokens.id, tokenId));
}

async function loadActor(db: Db, which: SQL): Promise<Actor | null> {
  const [row] = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      kind: apiTokens.kind,
      readOnly: apiTokens.readOnly,
      outpost: apiTokens.outpost,
      userId: users.id,
      email: users.email,
      userName: users.name,
      isAdmin: users.isAdmin,
    })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        which,
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
        isNull(users.disabledAt),
      ),
    );
  if (!row) return null;
  if (row.kind === "AGENT") {
    return {
      role: "AGENT",
      tokenId: row.id,
      kind: row.kind,
      name: row.name,
      userId: null,
      email: null,
      keyName: row.name,
      readOnly: false,
      outpost: row.outpost,
    };
  }
  // A user's credential whose user is gone (deleted with cascade) cannot exist; be strict anyway.
  if (!row.userId) return null;
  return {
    role: row.isAdmin ? "ADMIN" : "MEMBER",
    tokenId: row.id,
    kind: row.kind,
    name: row.userName!,
    userId: row.userId,
    email: row.email,
    keyName: row.kind === "SESSION" ? "session" : row.name,
    readOnly: row.readOnly,
    outpost: null,
  };
}

/** Makes sure `token` is the agent token of `outpost` (the local agent's, preset by `npm start`). */
export async function ensureAgentToken(db: Db, token: string, outpost: string): Promise<void> {
  const [existing] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(eq(apiTokens.hash, hashToken(token)));
  if (!existing) await ignoreTaken(createCredential(db, { name: `agent of ${outpost}`, kind: "AGENT", token, outpost }));
}

/**
 * For credentials preset from the environment: replicas starting together each find the token
 * missing and insert it; the second insert is the same credential, already there.
 */
export async function ignoreTaken(insert: Promise<unknown>): Promise<void> {
  try {
    await insert;
  } catch (error) {
    if (pgErrorCode(error) !== PgCode.uniqueViolation) throw error;
  }
}

/**
 * How long a token's actor is remembered per process. Every HTTP request presents its token;
 * without this each one would cost a round trip. A disabled key, a signed-out session or a
 * disabled user is forgotten at once in every API process (NOTIFY, see OutpostAnnouncer).
 */
const ACTOR_CACHE_MS = 2_000;
const ACTOR_CACHE_MAX = 10_000;
/** `lastUsedAt` and `lastSeenAt` are written at most this often per credential. */
const TOUCH_EVERY_MS = 60_000;

export class TokenService {
  private readonly actors = new Map<string, { actor: Actor | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async getActor(token: string): Promise<Actor | null> {
    const now = Date.now();
    const cached = this.actors.get(token);
    if (cached && cached.until > now) return cached.actor;
    const actor = await getActorByToken(this.db, token);
    if (this.actors.size >= ACTOR_CACHE_MAX) this.actors.clear();
    // Unknown tokens are not remembered: a token created elsewhere must work at once.
    if (actor) {
      this.actors.set(token, { actor, until: now + ACTOR_CACHE_MS });
      this.touch(actor, now);
    } else this.actors.delete(token);
    return actor;
  }

  /**
   * Of these credentials, those no longer valid (revoked, expired, deleted, their user disabled),
   * and of these users, those who are not admins (whose Project memberships matter).
   */
  async recheck(tokenIds: readonly string[], userIds: readonly string[]): Promise<{ invalid: string[]; members: string[] }> {
    const valid = tokenIds.length
      ? await this.db
          .select({ id: apiTokens.id })
          .from(apiTokens)
          .leftJoin(users, eq(users.id, apiTokens.userId))
          .where(
            and(
              inArray(apiTokens.id, [...tokenIds]),
              isNull(apiTokens.revokedAt),
              or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
              isNull(users.disabledAt),
            ),
          )
      : [];
    const kept = new Set(valid.map((row) => row.id));
    const members = userIds.length
      ? await this.db
          .select({ id: users.id })
          .from(users)
          .where(and(inArray(users.id, [...userIds]), eq(users.isAdmin, false)))
      : [];
    return { invalid: tokenIds.filter((id) => !kept.has(id)), members: members.map((row) => row.id) };
  }

  /** Forget every remembered actor of these credentials (disabled, deleted, signed out, user disabled). */
  forget(tokenId: string): void {
    for (const [token, entry] of this.actors) if (entry.actor?.tokenId === tokenId) this.actors.delete(token);
  }

  /** Records when a credential and its user were last used, in the background, at most once a minute. */
  private touch(actor: Actor, now: number): void {
    if ((this.touched.get(actor.tokenId) ?? 0) > now - TOUCH_EVERY_MS) return;
    if (this.touched.size >= ACTOR_CACHE_MAX) this.touched.clear();
    this.touched.set(actor.tokenId, now);
    const work = async () => {
      await this.db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, actor.tokenId));
      if (actor.userId) await this.db.update(users).set({ lastSeenAt: sql`now()` }).where(eq(users.id, actor.userId));
    };
    // Losing one of these writes loses nothing but a timestamp.
    void work().catch(() => undefined);
  }
}
