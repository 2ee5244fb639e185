/**
 * Tells everyone that an Outpost changed. A status change is written to the Outpost's history
 * and, as OUTPOST_LINK_CHANGED, to the event log of every Project with a Stage on it (so
 * `outpostLinkChanged` resumes by cursor like every Project subscription). `outpostChanged`
 * subscribers are woken in this process and, with PostgreSQL, in every other API process
 * through NOTIFY on `pergola_outposts` (payload `changed:<outpostId>`, `revoked:<tokenId>`: a
 * credential revoked on one replica closes its sockets on all of them, or `left:<userId>`: a
 * user who left a Project loses their sockets, and their subscriptions to it, everywhere).
 */
import { EventEmitter } from "node:events";
import type { Database } from "@pergola/db/client";
import { outpostHistory, outposts, stages, type OutpostRow } from "@pergola/db/schema";
import type { OutpostHistoryText } from "@pergola/schema";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTx } from "../events/event-log.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { enqueueOutpostDeliveries } from "../webhooks/webhook-outbox.js";
import { getLink, toLinkSnapshot } from "./outpost-link.js";
import { getOutpostViews } from "./outpost-views.js";

export const OUTPOSTS_CHANNEL = "pergola_outposts";

export class OutpostAnnouncer {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private unlisten?: () => Promise<void>;
  /** Set by the server: closes this process's sockets of a revoked token. */
  onTokenRevoked: (tokenId: string) => void = () => undefined;
  /** Set by the server: closes this process's sockets of a user who left a Project. */
  onMembershipEnded: (userId: string) => void = () => undefined;
  /**
   * Set by the server: the LISTEN connection came back, and revocations and membership changes
   * announced meanwhile were lost; what the open sockets rely on is checked again.
   */
  onResumed: () => void = () => undefined;
  /** Set by the services: OUTPOST_ONLINE / OUTPOST_OFFLINE deliveries were queued (wakes the webhook sender). */
  onDeliveriesQueued: () => void = () => undefined;

  constructor(
    private readonly database: Database,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.database.listen) return;
    this.unlisten = await this.database.listen(
      OUTPOSTS_CHANNEL,
      (payload) => {
        const [kind, id] = payload.split(":");
        if (kind === "changed" && id) this.local.emit(id);
        if (kind === "revoked" && id) this.onTokenRevoked(id);
        if (kind === "left" && id) this.onMembershipEnded(id);
      },
      // Changes announced while the connection was down are lost: every watcher reads again.
      () => {
        for (const id of this.local.eventNames()) this.local.emit(id);
        this.onResumed();
      },
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** Wakes `outpostChanged` subscribers of the Outpost; returns the unsubscribe function. */
  watch(outpostId: string, listener: () => void): () => void {
    this.local.on(outpostId, listener);
    return () => this.local.off(outpostId, listener);
  }

  /** In this process only: heartbeats never go through NOTIFY (one per heartbeat would flood every replica). */
  heartbeatsRecorded(outpostIds: readonly string[]): void {
    for (const id of outpostIds) this.local.emit(id);
  }

  /** Wakes the Outposts' watchers here and, with PostgreSQL, on every replica (one statement). */
  async outpostChanged(...outpostIds: string[]): Promise<void> {
    if (!this.database.listen) {
      for (const id of outpostIds) this.local.emit(id);
      return;
    }
    await this.database.db.execute(
      sql`select pg_notify(${OUTPOSTS_CHANNEL}, 'changed:' || id) from unnest(${`{${outpostIds.join(",")}}`}::text[]) as id`,
    );
  }

  /** Here at once (the caller's next request must fail), then on every other replica. */
  async tokensRevoked(tokenIds: readonly string[]): Promise<void> {
    for (const id of tokenIds) {
      this.onTokenRevoked(id);
      if (this.database.listen) await this.notify(`revoked:${id}`);
    }
  }

  /** A user's membership of a Project ended (removed, or left): here at once, then on every other replica. */
  async membershipEnded(userId: string): Promise<void> {
    this.onMembershipEnded(userId);
    if (this.database.listen) await this.notify(`left:${userId}`);
  }

  /** The Outpost's status moved (the row already says so): see `statusesChanged`. */
  statusChanged(outpost: OutpostRow, kind: OutpostHistoryText, message: string): Promise<void> {
    return this.statusesChanged([{ outpost, kind, message }]);
  }

  /**
   * Outposts' statuses moved (their rows already say so): history rows with the webhooks'
   * deliveries (OUTPOST_ONLINE / OUTPOST_OFFLINE, in the same statement), one link event per
   * Stage on them, and a wake-up of their watchers. A fixed number of statements per Project
   * whatever the number of Outposts, so that thousands of agents reconnecting at once (an API
   * restart) cost a few statements, not thousands.
   */
  async statusesChanged(changes: readonly { outpost: OutpostRow; kind: OutpostHistoryText; message: string }[]): Promise<void> {
    if (changes.length === 0) return;
    const db = this.database.db;
    const ids = changes.map((c) => c.outpost.id);
    // The history rows and the webhooks' deliveries: one statement, so both or neither.
    const rows = JSON.stringify(changes.map((c) => ({ outpostId: c.outpost.id, kind: c.kind, message: c.message })));
    const history = sql`insert into ${outpostHistory} (outpost_id, kind, message)
      select (c->>'outpostId')::uuid, c->>'kind', c->>'message' from jsonb_array_elements(${rows}::jsonb) with ordinality as h(c, ord) order by ord`;
    const queued = await enqueueOutpostDeliveries(
      db,
      changes.map((c) => c.outpost),
      history,
    );
    if (queued > 0) this.onDeliveriesQueued();
    const onThem = await db.selectDistinct({ projectId: stages.projectId }).from(stages).where(inArray(stages.outpostId, ids));
    for (const { projectId } of onThem) {
      // The Stages' rows are locked (in one order), as every write to a Stage does before its Project's.
      await this.log.inProject(
        { id: projectId },
        async (ptx) => {
          const rows = await ptx.tx
            .select()
            .from(stages)
            .where(and(eq(stages.projectId, projectId), inArray(stages.outpostId, ids)))
            .orderBy(stages.id)
            .for("update");
          const fresh = await ptx.tx
            .select()
            .from(outposts)
            .where(inArray(outposts.id, [...new Set(rows.map((r) => r.outpostId!))]));
          const views = await getOutpostViews(ptx.tx, fresh);
          for (const stage of rows) {
            const view = views.find((v) => v.id === stage.outpostId);
            if (view) emitLinkChanged(ptx, stage, view);
          }
        },
        { lock: "last" },
      );
    }
    await this.outpostChanged(...ids);
    if (changes.length === 1)
      this.logger.info(
        { outpost: changes[0]!.outpost.slug, status: changes[0]!.outpost.status, kind: changes[0]!.kind },
        changes[0]!.message,
      );
    else this.logger.info({ outposts: changes.length, kind: changes[0]!.kind }, "Outposts changed status");
  }

  private async notify(payload: string): Promise<void> {
    await this.database.db.execute(sql`select pg_notify(${OUTPOSTS_CHANNEL}, ${payload})`);
  }
}

export function emitLinkChanged(ptx: ProjectTx, stage: typeof stages.$inferSelect, outpost: Parameters<typeof getLink>[1]): void {
  ptx.emit({
    kind: EventKind.OUTPOST_LINK_CHANGED,
    stageId: stage.id,
    payload: { stage: toStageSnapshot(stage), link: toLinkSnapshot(getLink(stage, outpost)) },
  });
}
