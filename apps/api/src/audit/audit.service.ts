/** The audit log: written in the transaction of what it records; read by admins, newest first. */
import type { Db, Tx } from "@pergola/db/client";
import { auditLog, projects, type AuditRow } from "@pergola/db/schema";
import { and, desc, eq, gt, lt, sql, type SQL } from "drizzle-orm";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import { badInput } from "../errors.js";
import { findUserId } from "../users/user-lookup.js";
import type { AuditAction } from "./audit-action.js";

export interface AuditEntryInput {
  action: AuditAction;
  actor: Actor | string;
  userId?: string | null;
  projectId?: string | null;
  email?: string | null;
  address?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  first: number;
  after?: string | null;
  /** A user's id or email: entries by or about them. */
  user?: string | null;
  /** A Project's slug. */
  project?: string | null;
}

export async function recordAudit(db: Db | Tx, entry: AuditEntryInput): Promise<void> {
  await db.insert(auditLog).values({
    action: entry.action,
    actor: typeof entry.actor === "string" ? entry.actor : actorLabel(entry.actor),
    userId: entry.userId ?? (typeof entry.actor === "string" ? null : entry.actor.userId),
    projectId: entry.projectId ?? null,
    email: entry.email ?? null,
    address: entry.address ?? null,
    detail: entry.detail ?? {},
  });
}

export class AuditService {
  constructor(private readonly db: Db) {}

  async list(actor: Actor, query: AuditQuery): Promise<AuditRow[]> {
    authorize(actor, "audit.read", undefined);
    const first = Math.min(Math.max(query.first, 1), 500);
    const where: SQL[] = [];
    if (query.after != null) {
      if (!/^[1-9][0-9]{0,15}$/.test(query.after)) throw badInput("after", "must be a cursor from an earlier entry");
      where.push(lt(auditLog.id, Number(query.after)));
    }
    if (query.user) {
      const userId = await findUserId(this.db, query.user);
      if (!userId) return [];
      where.push(eq(auditLog.userId, userId));
    }
    if (query.project) {
      const [project] = await this.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, query.project));
      if (!project) return [];
      where.push(eq(auditLog.projectId, project.id));
    }
    return this.db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(first);
  }

  /**
   * Failed sign-ins within the window, by email or by address, and when the oldest of them
   * leaves the window (seconds from now). The database's clock decides, on every replica alike.
   */
  async recentFailures(
    email: string,
    address: string,
    windowSeconds: number,
  ): Promise<{ byEmail: number; byAddress: number; retryAfterSeconds: number }> {
    const since = sql`now() - ${`${windowSeconds} seconds`}::interval`;
    const count = async (column: typeof auditLog.email | typeof auditLog.address, value: string) => {
      const [row] = await this.db
        .select({
          n: sql<number>`count(*)::int`,
          wait: sql<number>`coalesce(ceil(extract(epoch from (min(${auditLog.at}) + ${`${windowSeconds} seconds`}::interval - now()))), 0)::int`,
        })
        .from(auditLog)
        .where(and(eq(auditLog.action, "SIGN_IN_FAILED"), eq(column, value), gt(auditLog.at, since)));
      return row ?? { n: 0, wait: 0 };
    };
    const [e, a] = await Promise.all([count(auditLog.email, email), count(auditLog.address, address)]);
    return { byEmail: e.n, byAddress: a.n, retryAfterSeconds: Math.max(e.wait, a.wait, 1) };
  }
}
