/** The people of this Pergola: created by admins (or by a first SSO sign-in), disabled at once everywhere. */
import type { Db, Tx } from "@pergola/db/client";
import { apiTokens, users, type UserRow } from "@pergola/db/schema";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit } from "../audit/audit.service.js";
import { requireName } from "../common/slug.js";
import { AppError, badInput, ErrorCode, notFound, PgCode, pgErrorCode, stateConflict } from "../errors.js";
import { checkPassword, hashPassword } from "./password.js";
import { isUuid } from "./user-lookup.js";

export interface CreateUserInput {
  email: string;
  name: string;
  password?: string | null;
  isAdmin?: boolean | null;
}

export interface UpdateUserInput {
  id: string;
  name?: string | null;
  email?: string | null;
  password?: string | null;
  isAdmin?: boolean | null;
}

/** Closes what a revoked credential still has open (sockets, cached actors) on every replica. */
export interface CredentialRevoker {
  tokensRevoked(tokenIds: readonly string[]): Promise<void>;
}

const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

export function checkEmail(field: string, email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) throw badInput(field, "must be an email address (name@domain)");
  return trimmed;
}

export class UserService {
  constructor(
    private readonly db: Db,
    private readonly revoker: CredentialRevoker,
  ) {
    this.byId = prepareUserById(db);
  }

  /** Built once: every `me` reads it. */
  private readonly byId: ReturnType<typeof prepareUserById>;

  async listUsers(actor: Actor): Promise<UserRow[]> {
    authorize(actor, "user.manage", undefined);
    return this.db.select().from(users).orderBy(asc(users.createdAt));
  }

  async getUser(id: string): Promise<UserRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.byId.execute({ id });
    return row ?? null;
  }

  async getUserByEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
    return row ?? null;
  }

  async createUser(actor: Actor, input: CreateUserInput): Promise<UserRow> {
    authorize(actor, "user.manage", undefined);
    const email = checkEmail("email", input.email);
    const name = requireName("name", input.name);
    const passwordHash = input.password != null ? await hashPassword(checkPassword("password", input.password)) : null;
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(users)
          .values({ email, name, passwordHash, isAdmin: input.isAdmin ?? false })
          .returning();
        await recordAudit(tx, { action: AuditAction.USER_CREATED, actor, detail: { user: email, isAdmin: row!.isAdmin } });
        return row!;
      });
    } catch (error) {
      if (pgErrorCode(error) === PgCode.uniqueViolation)
        throw new AppError(ErrorCode.CONFLICT, `A user with email "${email}" exists`, { field: "email" });
      throw error;
    }
  }

  async updateUser(actor: Actor, input: UpdateUserInput): Promise<UserRow> {
    const existing = await this.getUser(input.id);
    if (!existing) throw notFound(`User "${input.id}"`);
    authorize(actor, "user.update", { userId: existing.id, changesAdmin: input.isAdmin != null && input.isAdmin !== existing.isAdmin });
    const changes: Partial<typeof users.$inferInsert> = {};
    if (input.name != null) changes.name = requireName("name", input.name);
    if (input.email != null) {
      authorize(actor, "user.manage", undefined);
      changes.email = checkEmail("email", input.email);
    }
    if (input.password != null) changes.passwordHash = await hashPassword(checkPassword("password", input.password));
    if (input.isAdmin != null) changes.isAdmin = input.isAdmin;
    if (Object.keys(changes).length === 0) return existing;
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx.update(users).set(changes).where(eq(users.id, existing.id)).returning();
        const changed = Object.keys(changes).map((k) => (k === "passwordHash" ? "password" : k));
        await recordAudit(tx, { action: AuditAction.USER_UPDATED, actor, detail: { user: row!.email, changed } });
        return row!;
      });
    } catch (error) {
      if (pgErrorCode(error) === PgCode.uniqueViolation)
        throw new AppError(ErrorCode.CONFLICT, `A user with email "${changes.email}" exists`, { field: "email" });
      throw error;
    }
  }

  /** Every key and session of the user stops at once, on every replica; open sockets close. */
  async disableUser(actor: Actor, id: string): Promise<UserRow> {
    authorize(actor, "user.manage", undefined);
    if (id === actor.userId) throw stateConflict("You cannot disable yourself");
    // Before the database, which would refuse a non-UUID as an internal error.
    if (!isUuid(id)) throw notFound(`User "${id}"`);
    const { row, tokenIds } = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ disabledAt: new Date() })
        .where(and(eq(users.id, id), isNull(users.disabledAt)))
        .returning();
      if (!row) {
        const [exists] = await tx.select().from(users).where(eq(users.id, id));
        if (!exists) throw notFound(`User "${id}"`);
        return { row: exists, tokenIds: [] as string[] };
      }
      const credentials = await tx.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.userId, id));
      // Sessions end for good; keys only stop while the user is disabled.
      await tx.delete(apiTokens).where(and(eq(apiTokens.userId, id), eq(apiTokens.kind, "SESSION")));
      await recordAudit(tx, { action: AuditAction.USER_DISABLED, actor, detail: { user: row.email } });
      return { row, tokenIds: credentials.map((c) => c.id) };
    });
    await this.revoker.tokensRevoked(tokenIds);
    return row;
  }

  async enableUser(actor: Actor, id: string): Promise<UserRow> {
    authorize(actor, "user.manage", undefined);
    if (!isUuid(id)) throw notFound(`User "${id}"`);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.update(users).set({ disabledAt: null }).where(eq(users.id, id)).returning();
      if (!row) throw notFound(`User "${id}"`);
      await recordAudit(tx, { action: AuditAction.USER_ENABLED, actor, detail: { user: row.email } });
      return row;
    });
  }
}

/** The admin user of the first start (or of PERGOLA_ADMIN_TOKEN): found by email, created without a password when missing. */
export async function ensureAdminUser(db: Db | Tx, email: string): Promise<UserRow> {
  const address = checkEmail("PERGOLA_ADMIN_EMAIL", email);
  // The configured admin email is an admin, whatever it was before.
  await db
    .insert(users)
    .values({ email: address, name: "admin", isAdmin: true })
    .onConflictDoUpdate({ target: users.email, set: { isAdmin: true } });
  const [row] = await db.select().from(users).where(eq(users.email, address));
  return row!;
}

function prepareUserById(db: Db) {
  return db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare("user_by_id");
}
