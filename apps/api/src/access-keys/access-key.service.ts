/**
 * Personal access keys, as Pergola has them: `<id>:<secret>`, shown once, at most
 * MAX_ENABLED_KEYS enabled per user. Tokens from before users (`pgl_…`) and the preset
 * PERGOLA_ADMIN_TOKEN are listed as keys too and can be disabled or deleted, but do not count
 * toward the limit. A disabled or deleted key answers 401 on its next request, and its open
 * sockets close on every replica (CredentialRevoker).
 */
import type { Db, Tx } from "@pergola/db/client";
import { apiTokens, users } from "@pergola/db/schema";
import { and, asc, count, eq, inArray, isNull } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import { createCredential } from "../auth/token.service.js";
import { AuditAction } from "../audit/audit-action.js";
import { recordAudit } from "../audit/audit.service.js";
import { requireName } from "../common/slug.js";
import { AppError, ErrorCode, notFound } from "../errors.js";
import { findUserId, isUuid } from "../users/user-lookup.js";
import type { CredentialRevoker } from "../users/user.service.js";

export const MAX_ENABLED_KEYS = 2;
const KEY_KINDS = ["ACCESS_KEY", "LEGACY"] as const;

export interface AccessKeyView {
  id: string;
  name: string;
  readOnly: boolean;
  enabled: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  userId: string;
}

const columns = {
  id: apiTokens.id,
  name: apiTokens.name,
  readOnly: apiTokens.readOnly,
  revokedAt: apiTokens.revokedAt,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  userId: apiTokens.userId,
};

type KeyRow = {
  id: string;
  name: string;
  readOnly: boolean;
  revokedAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  userId: string | null;
};

function toView(row: KeyRow): AccessKeyView {
  return {
    id: row.id,
    name: row.name,
    readOnly: row.readOnly,
    enabled: row.revokedAt === null,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    userId: row.userId!,
  };
}

export class AccessKeyService {
  constructor(
    private readonly db: Db,
    private readonly revoker: CredentialRevoker,
  ) {}

  /** The caller's keys; an admin may name another user (id or email). */
  async listAccessKeys(actor: Actor, user?: string | null): Promise<AccessKeyView[]> {
    const ownerId = user ? await findUserId(this.db, user) : actor.userId;
    authorize(actor, "accessKey.manage", { ownerId, write: false });
    if (!ownerId) return [];
    const rows = await this.db
      .select(columns)
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, ownerId), inArray(apiTokens.kind, KEY_KINDS)))
      .orderBy(asc(apiTokens.createdAt));
    return rows.map(toView);
  }

  async createAccessKey(
    actor: Actor,
    input: { name: string; readOnly?: boolean | null },
  ): Promise<{ token: string; accessKey: AccessKeyView }> {
    authorize(actor, "accessKey.manage", { ownerId: actor.userId, write: true });
    const name = requireName("name", input.name);
    const userId = actor.userId!;
    return this.db.transaction(async (tx) => {
      await lockUser(tx, userId);
      await checkLimit(tx, userId);
      const created = await createCredential(tx, { name, kind: "ACCESS_KEY", userId, readOnly: input.readOnly ?? false });
      await recordAudit(tx, {
        action: AuditAction.ACCESS_KEY_CREATED,
        actor,
        detail: { key: created.id, name, readOnly: input.readOnly ?? false },
      });
      return {
        token: created.token,
        accessKey: {
          id: created.id,
          name,
          readOnly: input.readOnly ?? false,
          enabled: true,
          createdAt: created.createdAt,
          lastUsedAt: null,
          userId,
        },
      };
    });
  }

  async disableAccessKey(actor: Actor, id: string): Promise<AccessKeyView> {
    const view = await this.db.transaction(async (tx) => {
      const key = await this.requireKey(tx, actor, id);
      if (key.revokedAt) return toView(key);
      const [row] = await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, key.id)).returning(columns);
      await recordAudit(tx, {
        action: AuditAction.ACCESS_KEY_DISABLED,
        actor,
        userId: key.userId,
        detail: { key: key.id, name: key.name },
      });
      return toView(row!);
    });
    await this.revoker.tokensRevoked([view.id]);
    return view;
  }

  async enableAccessKey(actor: Actor, id: string): Promise<AccessKeyView> {
    return this.db.transaction(async (tx) => {
      const key = await this.requireKey(tx, actor, id);
      if (!key.revokedAt) return toView(key);
      await lockUser(tx, key.userId!);
      if (key.kind === "ACCESS_KEY") await checkLimit(tx, key.userId!);
      const [row] = await tx.update(apiTokens).set({ revokedAt: null }).where(eq(apiTokens.id, key.id)).returning(columns);
      await recordAudit(tx, { action: AuditAction.ACCESS_KEY_ENABLED, actor, userId: key.userId, detail: { key: key.id, name: key.name } });
      return toView(row!);
    });
  }

  async deleteAccessKey(actor: Actor, id: string): Promise<boolean> {
    await this.db.transaction(async (tx) => {
      const key = await this.requireKey(tx, actor, id);
      await tx.delete(apiTokens).where(eq(apiTokens.id, key.id));
      await recordAudit(tx, { action: AuditAction.ACCESS_KEY_DELETED, actor, userId: key.userId, detail: { key: key.id, name: key.name } });
    });
    await this.revoker.tokensRevoked([id]);
    return true;
  }

  /** The key, if the actor may manage it; NOT_FOUND alike for a missing key and someone else's. */
  private async requireKey(tx: Tx, actor: Actor, id: string) {
    const [key] = isUuid(id)
      ? await tx
          .select({ ...columns, kind: apiTokens.kind })
          .from(apiTokens)
          .where(and(eq(apiTokens.id, id), inArray(apiTokens.kind, KEY_KINDS)))
          .for("update")
      : [];
    if (!key) throw notFound(`Access key "${id}"`);
    authorize(actor, "accessKey.manage", { ownerId: key.userId, write: true, key: id });
    return key;
  }
}

/** Serializes key changes of one user, so two concurrent creations cannot both pass the limit. */
async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
}

async function checkLimit(tx: Tx, userId: string): Promise<void> {
  const [row] = await tx
    .select({ n: count() })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), eq(apiTokens.kind, "ACCESS_KEY"), isNull(apiTokens.revokedAt)));
  if ((row?.n ?? 0) >= MAX_ENABLED_KEYS) {
    throw new AppError(ErrorCode.CONFLICT, `At most ${MAX_ENABLED_KEYS} access keys may be enabled per user: disable or delete one first`, {
      limit: MAX_ENABLED_KEYS,
    });
  }
}
