/**
 * Agent sessions and heartbeats (docs/design.md, "Outpost and OutpostLink"):
 *  - Each agent socket of a remote Outpost opens a session: `outposts.session` grows by one, so
 *    a second connection with the same token supersedes the first, whose later reports and
 *    heartbeats are refused (the session epoch).
 *  - Heartbeats are answered at once and recorded in batches: one upsert into the narrow
 *    `outpost_heartbeats` table per flush, with the database's clock, whatever the number of
 *    agents; no event and no NOTIFY per heartbeat, only when the status changes.
 *  - A monitor marks an Outpost OFFLINE after `offlineAfterSeconds` of silence (a frozen or
 *    partitioned agent whose socket looks open); a closed socket is OFFLINE at once. The
 *    UPDATE … RETURNING makes each change happen once even with several API processes.
 */
import { rowsOf, type Db } from "@pergola/db/client";
import { outpostHeartbeats, outposts, type OutpostRow } from "@pergola/db/schema";
import type { OutpostHistoryText } from "@pergola/schema";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { OutpostAnnouncer } from "./outpost-announcer.js";
import { SessionOpener, type AgentFacts } from "./session-opener.js";

export interface AgentSession {
  outpostId: string;
  slug: string;
  epoch: number;
  intervalSeconds: number;
}

export interface OutpostSessionsOptions {
  /** How long heartbeats are gathered before one write. Default 250 ms. */
  flushMs?: number;
  /** How often silent Outposts are looked for. Default 1 s. */
  monitorMs?: number;
}

export class OutpostSessions {
  private readonly pending = new Map<string, { session: AgentSession; latencyMs: number | null }>();
  /** The newest session epoch this process knows of, per Outpost. */
  private readonly newest = new Map<string, number>();
  private flushTimer?: NodeJS.Timeout;
  private monitorTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly opener: SessionOpener;
  /**
   * Status announcements run in their own queue: a heartbeat write never waits behind them
   * (were it to, a mass reconnect could delay heartbeats past offlineAfterSeconds and flap).
   */
  private announcing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly announcer: OutpostAnnouncer,
    private readonly logger: Logger,
    private readonly options: OutpostSessionsOptions = {},
  ) {
    this.opener = new SessionOpener(db, announcer);
  }

  start(): void {
    this.monitorTimer = setInterval(
      () => void this.markSilentOffline().catch((error) => this.logger.error({ err: error }, "outpost monitor failed")),
      this.options.monitorMs ?? 1000,
    );
    this.monitorTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.monitorTimer);
    clearTimeout(this.flushTimer);
    await this.opener.drain();
    await this.flushing;
    await this.announcing;
  }

  /** A socket of the Outpost's agent authenticated; null when the Outpost no longer exists. Batched (session-opener.ts). */
  async open(slug: string, agent: AgentFacts): Promise<AgentSession | null> {
    const row = await this.opener.open(slug, agent);
    if (!row) return null;
    if (row.session > (this.newest.get(row.id) ?? 0)) this.newest.set(row.id, row.session);
    return { outpostId: row.id, slug, epoch: row.session, intervalSeconds: row.heartbeatIntervalSeconds };
  }

  /** The session's socket closed: OFFLINE at once, unless a newer session took over. */
  async close(session: AgentSession): Promise<void> {
    const queued = this.pending.get(session.outpostId);
    if (queued?.session === session) this.pending.delete(session.outpostId);
    // A flush already under way may hold this session's last heartbeat: were OFFLINE written
    // first, its ONLINE would follow and outlive the socket until the monitor's grace ran out.
    await this.flushing;
    const [row] = await this.db
      .update(outposts)
      .set({ status: "OFFLINE", statusSince: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(outposts.id, session.outpostId), eq(outposts.session, session.epoch), sql`${outposts.status} <> 'OFFLINE'`))
      .returning();
    if (row) await this.announcer.statusChanged(row, "disconnected", `the agent's socket closed (session ${session.epoch})`);
  }

  isSuperseded(session: AgentSession): boolean {
    return (this.newest.get(session.outpostId) ?? 0) > session.epoch;
  }

  /** Answered at once; written with the next flush. */
  heartbeat(
    session: AgentSession,
    latencyMs: number | null,
  ): { accepted: boolean; reason: string | null; intervalSeconds: number; outpost: string } {
    if (this.isSuperseded(session)) {
      return {
        accepted: false,
        reason: "superseded: another agent connected with this Outpost's token",
        intervalSeconds: session.intervalSeconds,
        outpost: session.slug,
      };
    }
    this.pending.set(session.outpostId, { session, latencyMs });
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flush()).catch((error) => this.logger.error({ err: error }, "heartbeat flush failed"));
    }, this.options.flushMs ?? 250);
    return { accepted: true, reason: null, intervalSeconds: session.intervalSeconds, outpost: session.slug };
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (batch.length === 0) return;
    // The batch as three arrays, each one parameter: one short statement whatever its size (a
    // VALUES list is built, sent and parsed per row — drizzle's query building alone cost 8 µs
    // per heartbeat).
    const ids = batch.map((b) => b.session.outpostId);
    const epochs = sql.param(batch.map((b) => b.session.epoch));
    const latencies = sql.param(batch.map((b) => b.latencyMs));
    const written = await this.db.execute(sql`insert into ${outpostHeartbeats} (outpost_id, session, latency_ms)
      select * from unnest(${sql.param(ids)}::uuid[], ${epochs}::int[], ${latencies}::int[])
      on conflict (outpost_id) do update
        set session = excluded.session, last_seen_at = now(), latency_ms = excluded.latency_ms
        -- A superseded session's heartbeat (from another process) never overwrites the newer one's.
        where ${outpostHeartbeats.session} <= excluded.session
      returning outpost_id`);
    // A heartbeat the table refused came from a superseded session: a newer one exists (its
    // `open` wrote the row), perhaps on another replica. Its next heartbeat is refused here too.
    const kept = new Set(rowsOf<{ outpost_id: string }>(written).map((w) => w.outpost_id));
    for (const { session } of batch) {
      if (!kept.has(session.outpostId))
        this.newest.set(session.outpostId, Math.max(this.newest.get(session.outpostId) ?? 0, session.epoch + 1));
    }
    const back = await this.db
      .update(outposts)
      .set({ status: "ONLINE", statusSince: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          inArray(outposts.status, ["CONNECTING", "OFFLINE"]),
          sql`(${outposts.id}, ${outposts.session}) in (select * from unnest(${sql.param(ids)}::uuid[], ${epochs}::int[]))`,
        ),
      )
      .returning();
    const latencyOf = new Map(batch.map((b) => [b.session.outpostId, b.latencyMs]));
    this.announce(back.map((row) => ({ outpost: row, kind: "online", message: onlineMessage(row, latencyOf.get(row.id)) })));
    this.announcer.heartbeatsRecorded(ids);
  }

  private async markSilentOffline(): Promise<void> {
    const silent: OutpostRow[] = await this.db
      .update(outposts)
      .set({ status: "OFFLINE", statusSince: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          inArray(outposts.status, ["ONLINE", "CONNECTING"]),
          sql`exists (select 1 from ${outpostHeartbeats} h where h.outpost_id = ${outposts.id}
                and h.last_seen_at < now() - ${outposts.offlineAfterSeconds} * interval '1 second')`,
        ),
      )
      .returning();
    this.announce(
      silent.map((row) => ({ outpost: row, kind: "heartbeat-missed", message: `no heartbeat for ${row.offlineAfterSeconds} s: OFFLINE` })),
    );
  }

  private announce(changes: { outpost: OutpostRow; kind: OutpostHistoryText; message: string }[]): void {
    if (changes.length === 0) return;
    this.announcing = this.announcing
      .then(() => this.announcer.statusesChanged(changes))
      .catch((error) => this.logger.error({ err: error }, "could not announce Outpost status changes"));
  }
}

function onlineMessage(row: OutpostRow, latency: number | null | undefined): string {
  return `heartbeats arriving (session ${row.session}${latency != null ? `, ${latency} ms round trip` : ""}): ONLINE`;
}
