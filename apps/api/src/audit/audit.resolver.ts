import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import type { AuditAction } from "./audit-action.js";
import { AuditEntry } from "./audit.type.js";

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => [AuditEntry], {
    description: "Admins only. Newest first; `after` an entry's cursor for older ones; by `user` (id or email) or `project` (slug).",
  })
  async auditLog(
    @Arg("first", () => Int, { defaultValue: 50, description: "How many entries, 1 to 500." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "An entry's cursor: the entries older than it. Omitted: from the newest." })
    after: string | null,
    @Arg("user", () => String, { nullable: true, description: "Only the entries of this user (by id or email)." }) user: string | null,
    @Arg("project", () => String, { nullable: true, description: "Only the entries of this Project (its slug)." }) project: string | null,
    @Ctx() { actor, services, loaders }: Context,
  ): Promise<AuditEntry[]> {
    const rows = await services.audit.list(actor, { first, after, user, project });
    return Promise.all(
      rows.map(async (row) => ({
        cursor: String(row.id),
        at: row.at,
        action: row.action as AuditAction,
        actor: row.actor,
        project: row.projectId ? ((await loaders.projectById.load(row.projectId))?.slug ?? null) : null,
        address: row.address,
        detail: row.detail,
      })),
    );
  }
}
