/**
 * Outposts (docs/design.md, "Outpost and OutpostLink"): registration by admins, agent tokens (shown once, stored as a
 * hash, rotatable), URI validation, and the read side (Outposts with their last heartbeat,
 * history). Sessions, heartbeats and status changes live in outpost-sessions.ts.
 */
import type { Db, Tx } from "@pergola/db/client";
import { apiTokens, outpostHeartbeats, outpostHistory, outposts, stages, type OutpostRow } from "@pergola/db/schema";
import { LOCAL_OUTPOST, outpostHistoryKindOf, type OutpostProblemCode } from "@pergola/schema";
import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Actor } from "../auth/token.service.js";
import { createCredential, hashToken } from "../auth/token.service.js";
import { authorize, can } from "../auth/policy.js";
import { afterCursor, type Keyset, keyColumn, keyOrder, type Page, type PageRequest, pageSize, toPage } from "../common/keyset.js";
import { requireName, resolveSlug } from "../common/slug.js";
import { AppError, badInput, ErrorCode, notFound, pgErrorCode, PgCode, stateConflict } from "../errors.js";
import type { OutpostAnnouncer } from "./outpost-announcer.js";
import { isGrantedToUser } from "./outpost-grants.js";
import { getOutpostViews, toOutpostView, type OutpostView } from "./outpost-views.js";
import { checkHeartbeatSettings, checkLabels, checkText, parseOutpostUri } from "./outpost.rules.js";

export interface CreateOutpostFields {
  name: string;
  slug?: string | null;
  description?: string | null;
  region?: string | null;
  labels?: string[] | null;
  heartbeatIntervalSeconds?: number | null;
  offlineAfterSeconds?: number | null;
}

export interface OutpostProblemView {
  code: OutpostProblemCode;
  message: string;
  warning: boolean;
}

export interface OutpostValidationView {
  valid: boolean;
  uri: string;
  outpost: OutpostView | null;
  problems: OutpostProblemView[];
}

export type { OutpostView };

export class OutpostService {
  /** Where agents dial: the API's public URL; used in the printed agent command. */
  serverUrl = "http://127.0.0.1:4000";

  constructor(
    private readonly db: Db,
    private readonly announcer: OutpostAnnouncer,
  ) {}

  async createOutpost(actor: Actor, input: CreateOutpostFields) {
    requireAdmin(actor);
    const name = requireName("name", input.name);
    const slug = resolveSlug("slug", name, input.slug);
    if (slug === LOCAL_OUTPOST) throw badInput("slug", `"${LOCAL_OUTPOST}" is the built-in Outpost of the API's own host`);
    const values = {
      slug,
      name,
      description: checkText("description", input.description, 500),
      region: checkText("region", input.region, 100),
      labels: checkLabels(input.labels ?? []),
      ...checkHeartbeatSettings(input.heartbeatIntervalSeconds, input.offlineAfterSeconds),
    };
    try {
      const created = await this.db.transaction(async (tx) => {
        const [row] = await tx.insert(outposts).values(values).returning();
        const { token } = await createCredential(tx, { name: `agent of ${slug}`, kind: "AGENT", outpost: slug });
        await tx.insert(outpostHistory).values({ outpostId: row!.id, kind: "created", message: `registered by ${actor.name}` });
        return { row: row!, token };
      });
      return this.credentials(created.row, created.token);
    } catch (error) {
      if (pgErrorCode(error) === PgCode.uniqueViolation) {
        throw new AppError(ErrorCode.CONFLICT, `Outpost "${slug}" already exists`, { field: "slug", taken: slug });
      }
      throw error;
    }
  }

  /** A new agent token; the old one stops working and its open sockets are closed. */
  async rotateToken(actor: Actor, slug: string) {
    requireAdmin(actor);
    const row = await this.requireRow(slug);
    const { token, revoked } = await this.db.transaction(async (tx) => {
      const revoked = await revokeAgentTokens(tx, slug);
      const created = await createCredential(tx, { name: `agent of ${slug}`, kind: "AGENT", outpost: slug });
      await tx.insert(outpostHistory).values({ outpostId: row.id, kind: "token-rotated", message: `agent token rotated by ${actor.name}` });
      return { token: created.token, revoked };
    });
    await this.announcer.tokensRevoked(revoked);
    await this.announcer.outpostChanged(row.id);
    return this.credentials(row, token);
  }

  async deleteOutpost(actor: Actor, slug: string): Promise<boolean> {
    requireAdmin(actor);
    const row = await this.requireRow(slug);
    const revoked = await this.db.transaction(async (tx) => {
      const [used] = await tx.select({ n: count() }).from(stages).where(eq(stages.outpostId, row.id));
      if ((used?.n ?? 0) > 0)
        throw stateConflict(`Outpost "${slug}" still runs ${used!.n} Stage(s), archived ones included: purge or move them first`);
      const revoked = await revokeAgentTokens(tx, slug);
      await tx.delete(outposts).where(eq(outposts.id, row.id));
      return revoked;
    });
    await this.announcer.tokensRevoked(revoked);
    return true;
  }

  async listOutposts(actor: Actor): Promise<OutpostView[]> {
    requireAdmin(actor);
    return getOutpostViews(this.db, await this.db.select().from(outposts).orderBy(outposts.slug));
  }

  /**
   * One page of `listOutposts` (admins), by slug, each with its last heartbeat and Stage count
   * (what getOutpostViews reads apart) in the same statement; one more if `totalCount` is read.
   */
  async listOutpostPage(actor: Actor, request: PageRequest): Promise<Page<OutpostView>> {
    requireAdmin(actor);
    const size = pageSize(request.first);
    const rows = await this.db
      .select({
        row: outposts,
        key: keyColumn(OUTPOST_KEYSET),
        lastSeenAt: outpostHeartbeats.lastSeenAt,
        latencyMs: outpostHeartbeats.latencyMs,
        stageCount: sql<number>`(select count(*) from ${stages} where ${stages.outpostId} = ${outposts.id})::int`,
      })
      .from(outposts)
      .leftJoin(outpostHeartbeats, eq(outpostHeartbeats.outpostId, outposts.id))
      .where(afterCursor(OUTPOST_KEYSET, "", request.after))
      .orderBy(...keyOrder(OUTPOST_KEYSET))
      .limit(size + 1);
    const viewed = rows.map((r) => ({
      node: toOutpostView(r.row, r.lastSeenAt ? { lastSeenAt: r.lastSeenAt, latencyMs: r.latencyMs } : null, r.stageCount),
      key: r.key,
    }));
    return toPage(OUTPOST_KEYSET, "", viewed, size, async () => {
      const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(outposts);
      return n;
    });
  }

  async getOutpost(actor: Actor, slug: string): Promise<OutpostView | null> {
    requireAdmin(actor);
    const rows = await this.db.select().from(outposts).where(eq(outposts.slug, slug));
    return (await getOutpostViews(this.db, rows))[0] ?? null;
  }

  async listByIds(ids: readonly string[]): Promise<OutpostView[]> {
    if (ids.length === 0) return [];
    return getOutpostViews(
      this.db,
      await this.db
        .select()
        .from(outposts)
        .where(inArray(outposts.id, [...ids])),
    );
  }

  /**
   * Anyone who may create a Stage may check a URI. A non-admin learns of an Outpost only when it
   * is granted to one of their Projects (otherwise UNKNOWN_OUTPOST, as for a missing one), and
   * then only what the Stage form shows: the Outpost type nulls the admins' facts.
   */
  async validateUri(actor: Actor, uri: string): Promise<OutpostValidationView> {
    const result = await this.inspectUri(uri, actor);
    if (!result.outpost) return result;
    const granted = can(actor, "outpost.inspect", undefined) || (await isGrantedToUser(this.db, result.outpost.id, actor.userId));
    if (can(actor, "outpost.read", { outpost: result.outpost.slug, granted })) return result;
    return unknownOutpost(uri, result.outpost.slug, actor);
  }

  /**
   * The Outpost a new Stage's `outpostUri` names, or BAD_USER_INPUT with the problem; whether it
   * may be placed there is the Stage's check. As in validateUri, an Outpost the actor may not
   * know of is unknown, so createStage cannot probe Outpost slugs either.
   */
  async requireForStage(actor: Actor, uri: string): Promise<OutpostRow> {
    const result = await this.validateUri(actor, uri);
    const problem = result.problems.find((p) => !p.warning);
    if (!result.outpost || problem)
      throw badInput("outpostUri", problem?.message ?? "not a valid Outpost URI", { problems: result.problems });
    return result.outpost;
  }

  /** What the URI names, whoever asks (`actor` only words the UNKNOWN_OUTPOST message). */
  private async inspectUri(uri: string, actor: Actor | null): Promise<OutpostValidationView> {
    const parsed = parseOutpostUri(uri);
    if ("problem" in parsed)
      return { valid: false, uri, outpost: null, problems: [{ code: "MALFORMED", message: parsed.problem, warning: false }] };
    const rows = await this.db.select().from(outposts).where(eq(outposts.slug, parsed.slug));
    const [outpost] = await getOutpostViews(this.db, rows);
    if (!outpost) return unknownOutpost(uri, parsed.slug, actor);
    const problems: OutpostProblemView[] =
      outpost.status === "PENDING"
        ? [
            {
              code: "NEVER_CONNECTED",
              message: `the agent of "${parsed.slug}" has never connected; Releases will wait for it`,
              warning: true,
            },
          ]
        : [];
    return { valid: true, uri, outpost, problems };
  }

  async history(outpostId: string, first: number) {
    if (!Number.isInteger(first) || first < 1 || first > 500) throw badInput("first", "must be between 1 and 500");
    const rows = await this.db
      .select()
      .from(outpostHistory)
      .where(eq(outpostHistory.outpostId, outpostId))
      .orderBy(desc(outpostHistory.id))
      .limit(first);
    return rows.map((row) => ({ ...row, event: outpostHistoryKindOf(row.kind) }));
  }

  /** A revoked agent token was presented: its Outpost's history says so (a wrong token stays anonymous). */
  async recordRejectedToken(token: string): Promise<void> {
    const [row] = await this.db
      .select({ outpost: apiTokens.outpost, prefix: apiTokens.prefix })
      .from(apiTokens)
      .where(and(eq(apiTokens.hash, hashToken(token)), eq(apiTokens.kind, "AGENT")));
    if (!row?.outpost) return;
    const [outpost] = await this.db.select({ id: outposts.id }).from(outposts).where(eq(outposts.slug, row.outpost));
    if (!outpost) return;
    await this.db
      .insert(outpostHistory)
      .values({ outpostId: outpost.id, kind: "token-rejected", message: `an agent presented the revoked token ${row.prefix}…` });
    await this.announcer.outpostChanged(outpost.id);
  }

  private async requireRow(slug: string): Promise<OutpostRow> {
    const [row] = await this.db.select().from(outposts).where(eq(outposts.slug, slug));
    if (!row) throw notFound(`Outpost "${slug}"`);
    return row;
  }

  /**
   * The command to run on the Outpost's host. The token goes into a file only its owner reads
   * (printf is a shell builtin: no process shows it), never onto the agent's command line,
   * which every user of that machine can read.
   */
  private credentials(row: OutpostRow, token: string) {
    return {
      outpost: toOutpostView(row, null, 0),
      agentToken: token,
      agentCommand:
        `(umask 077 && printf '%s\\n' '${token}' > ./pergola-agent.token) && ` +
        `pergola-agent --server ${this.serverUrl} --token-file ./pergola-agent.token --data-dir ./pergola-agent`,
    };
  }
}

/** One answer for a missing Outpost and, to a non-admin, one not granted to their Projects. */
function unknownOutpost(uri: string, slug: string, actor: Actor | null): OutpostValidationView {
  const message =
    actor === null || can(actor, "outpost.inspect", undefined)
      ? `no Outpost "${slug}" is registered`
      : `no Outpost "${slug}" is available to your Projects (an admin registers Outposts and grants them to Projects)`;
  return { valid: false, uri, outpost: null, problems: [{ code: "UNKNOWN_OUTPOST", message, warning: false }] };
}

/** The plain list's order: by slug, which is unique. */
const OUTPOST_KEYSET: Keyset = { list: "Outpost", columns: [{ column: outposts.slug, part: "slug" }], direction: "asc" };

function requireAdmin(actor: Actor): void {
  authorize(actor, "outpost.manage", undefined);
}

/** Revokes every live agent token of the Outpost; returns their ids (their sockets must close). */
async function revokeAgentTokens(tx: Tx, slug: string): Promise<string[]> {
  const rows = await tx
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.kind, "AGENT"), eq(apiTokens.outpost, slug), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.map((r) => r.id);
}
