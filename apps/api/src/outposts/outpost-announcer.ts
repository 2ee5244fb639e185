/**
 * Tells everyone that an Outpost changed. A status change is written to the Outpost's history
 * and, as OUTPOST_LINK_CHANGED, to the event log of every Project with a Stage on it (so
 * `outpostLinkChanged` resumes by cursor like every Project subscription). `outpostChanged`
 * subscribers are woken in this process and, with PostgreSQL, in every other API process
 * through NOTIFY on `pergola_outposts` (payload `changed:<outpostId>` or `revoked:<tokenId>`:
 * a token revoked on one replica closes its sockets on all of them).
 */
import { EventEmitter } from "node:events";
import type { Database } from "@pergola/db/client";
import { outpostHistory, outposts, stages, type OutpostRow } from "@pergola/db/schema";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTx } from "../events/event-log.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { getLink, toLinkSnapshot } from "./outpost-link.js";
import { getOutpostViews } from "./outpost-views.js";

export const OUTPOSTS_CHANNEL = "pergola_outposts";

export class OutpostAnnouncer {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private unlisten?: () => Promise<void>;
  /** Set by the server: closes this process's sockets of a revoked token. */
  onTokenRevoked: (tokenId: string) => void = () => undefined;

  constructor(
    private readonly database: Database,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.database.listen) return;
    this.unlisten = await this.database.listen(OUTPOSTS_CHANNEL, (payload) => {
      const [kind, id] = payload.split(":");
      if (kind === "changed" && id) this.local.emit(id);
      if (kind === "revoked" && id) this.onTokenRevoked(id);
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** Wakes `outpostChanged` subscribers of the Outpost; returns the unsubscribe function. */
  watch(outpostId: string, listener: () => void): () => void {
    this.local.on(outpostId, listener);
    return () => this.local.off(outpostId, listener);
  }

  /** In this process only: heartbeats never go through NOTIFY (DESIGN "Performance design"). */
  heartbeatsRecorded(outpostIds: readonly string[]): void {
    for (const id of outpostIds) this.local.emit(id);
  }

  async outpostChanged(outpostId: string): Promise<void> {
    if (this.database.listen) await this.notify(`changed:${outpostId}`);
    else this.local.emit(outpostId);
  }

  async tokensRevoked(tokenIds: readonly string[]): Promise<void> {
    for (const id of tokenIds) {
      if (this.database.listen) await this.notify(`revoked:${id}`);
      else this.onTokenRevoked(id);
    }
  }

  /**
   * The Outpost's status moved (the row already says so): history, one link event per Stage on
   * it, and a wake-up of its watchers.
   */
  async statusChanged(outpost: OutpostRow, kind: string, message: string): Promise<void> {
    const db = this.database.db;
    await db.insert(outpostHistory).values({ outpostId: outpost.id, kind, message });
    const onIt = await db.select({ projectId: stages.projectId }).from(stages).where(eq(stages.outpostId, outpost.id)).groupBy(stages.projectId);
    for (const { projectId } of onIt) {
      await this.log.inProject({ id: projectId }, async (ptx) => {
        const [fresh] = await ptx.tx.select().from(outposts).where(eq(outposts.id, outpost.id));
        if (!fresh) return;
        const [view] = await getOutpostViews(ptx.tx, [fresh]);
        const rows = await ptx.tx.select().from(stages).where(sql`${stages.projectId} = ${projectId} and ${stages.outpostId} = ${outpost.id}`);
        for (const stage of rows) emitLinkChanged(ptx, stage, view!);
      });
    }
    await this.outpostChanged(outpost.id);
    this.logger.info({ outpost: outpost.slug, status: outpost.status, kind }, message);
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
