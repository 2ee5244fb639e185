/**
 * API tokens: `pgl_` + 32 random base64url characters, shown once, stored only as a SHA-256
 * hash. The prefix makes a leaked token recognizable (secret scanners, logs).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db, Tx } from "@pergola/db/client";
import { apiTokens, projectMembers, projects, type TokenRole } from "@pergola/db/schema";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { requireName } from "../common/slug.js";
import { badInput, forbidden } from "../errors.js";

export const TOKEN_PREFIX = "pgl_";

/** Who is calling. Every request has one; anonymous callers get no further than `/healthz`. */
export interface Actor {
  tokenId: string;
  name: string;
  role: TokenRole;
  /** AGENT tokens: the Outpost they act for. */
  outpost?: string | null;
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(24).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createToken(
  db: Db | Tx,
  input: { name: string; role: TokenRole; token?: string; outpost?: string },
): Promise<{ token: string; actor: Actor }> {
  const token = input.token ?? generateToken();
  const [row] = await db
    .insert(apiTokens)
    .values({ name: input.name, role: input.role, outpost: input.outpost ?? null, prefix: token.slice(0, 8), hash: hashToken(token) })
    .returning();
  return { token, actor: { tokenId: row!.id, name: row!.name, role: row!.role, outpost: row!.outpost } };
}

/** The actor of a presented token, or null when it is unknown or revoked. */
export async function getActorByToken(db: Db, token: string): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const [row] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, role: apiTokens.role, outpost: apiTokens.outpost })
    .from(apiTokens)
    .where(and(eq(apiTokens.hash, hashToken(token)), isNull(apiTokens.revokedAt)));
  return row ? { tokenId: row.id, name: row.name, role: row.role, outpost: row.outpost } : null;
}

/**
 * Makes sure `token` is an admin token (the `PERGOLA_ADMIN_TOKEN` preset, or the first start).
 * Returns true when it was created now.
 */
export async function ensureAdminToken(db: Db, token: string): Promise<boolean> {
  const [existing] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.hash, hashToken(token)));
  if (existing) return false;
  await createToken(db, { name: "admin", role: "ADMIN", token });
  return true;
}

/** Makes sure `token` is the agent token of `outpost` (the local agent's, preset by `npm start`). */
export async function ensureAgentToken(db: Db, token: string, outpost: string): Promise<void> {
  const [existing] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.hash, hashToken(token)));
  if (!existing) await createToken(db, { name: `agent of ${outpost}`, role: "AGENT", token, outpost });
}

export async function hasAdminToken(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.role, "ADMIN"), isNull(apiTokens.revokedAt)))
    .limit(1);
  return Boolean(row);
}

export async function addProjectMember(db: Db | Tx, projectId: string, tokenId: string): Promise<void> {
  await db.insert(projectMembers).values({ projectId, tokenId }).onConflictDoNothing();
}

/**
 * How long a token's actor is remembered per process. Every HTTP request presents its token;
 * without this each one would cost a round trip. A revoked token is forgotten at once in the
 * process that revokes it, and within this time in other API processes.
 */
const ACTOR_CACHE_MS = 2_000;
const ACTOR_CACHE_MAX = 10_000;

export class TokenService {
  private readonly actors = new Map<string, { actor: Actor | null; until: number }>();

  constructor(private readonly db: Db) {}

  async getActor(token: string): Promise<Actor | null> {
    const now = Date.now();
    const cached = this.actors.get(token);
    if (cached && cached.until > now) return cached.actor;
    const actor = await getActorByToken(this.db, token);
    if (this.actors.size >= ACTOR_CACHE_MAX) this.actors.clear();
    // Unknown tokens are not remembered: a token created elsewhere must work at once.
    if (actor) this.actors.set(token, { actor, until: now + ACTOR_CACHE_MS });
    else this.actors.delete(token);
    return actor;
  }

  /** Forget every remembered actor of a token id (on revocation or rotation). */
  forget(tokenId: string): void {
    for (const [token, entry] of this.actors) if (entry.actor?.tokenId === tokenId) this.actors.delete(token);
  }

  async createApiToken(
    actor: Actor,
    input: { name: string; role: TokenRole; projects: readonly string[] },
  ): Promise<{ token: string; actor: Actor }> {
    if (actor.role !== "ADMIN") throw forbidden("Only an admin token can create tokens");
    if (input.role === "AGENT") throw badInput("role", "agent tokens come with their Outpost, not from createApiToken");
    const name = requireName("name", input.name);
    const wanted = [...new Set(input.projects)];
    const found = wanted.length
      ? await this.db.select({ id: projects.id, slug: projects.slug }).from(projects).where(inArray(projects.slug, wanted))
      : [];
    const missing = wanted.filter((slug) => !found.some((p) => p.slug === slug));
    if (missing.length) throw badInput("projects", `no Project "${missing.join('", "')}"`);
    return this.db.transaction(async (tx) => {
      const created = await createToken(tx, { name, role: input.role });
      for (const p of found) await addProjectMember(tx, p.id, created.actor.tokenId);
      return created;
    });
  }
}
