/**
 * Opens agent sessions in batches: when thousands of agents reconnect at once (an API restart),
 * each socket's session costs a share of a few statements instead of six round trips of its
 * own. Opens that arrive within `gatherMs` are written together: one UPDATE … RETURNING of the
 * Outposts (session epoch + 1, CONNECTING, the agents' versions and URLs), one upsert of their
 * heartbeat rows, one history insert, one batched announcement. Two sockets of one Outpost in
 * one batch are opened one after the other, so the later one supersedes the earlier.
 */
import type { Db } from "@pergola/db/client";
import { outpostHeartbeats, outpostHistory, outposts, type OutpostRow } from "@pergola/db/schema";
import { inArray, sql, type SQL } from "drizzle-orm";
import type { OutpostAnnouncer } from "./outpost-announcer.js";

export interface AgentFacts {
  agentVersion?: string;
  publicUrl?: string;
}

interface Waiting {
  slug: string;
  agent: AgentFacts;
  resolve(row: OutpostRow | null): void;
  reject(error: unknown): void;
}

export class SessionOpener {
  private waiting: Waiting[] = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly announcer: OutpostAnnouncer,
    private readonly gatherMs = 10,
  ) {}

  /** The Outpost's row with its new session; null when no Outpost has that slug. */
  open(slug: string, agent: AgentFacts): Promise<OutpostRow | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ slug, agent, resolve, reject });
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        const batch = this.waiting;
        this.waiting = [];
        this.chain = this.chain.then(() => this.openAll(batch));
      }, this.gatherMs);
    });
  }

  /** Waits for the opens under way. */
  async drain(): Promise<void> {
    await this.chain;
  }

  private async openAll(batch: Waiting[]): Promise<void> {
    // Rounds in which each Outpost appears once, in arrival order.
    const rounds: Waiting[][] = [];
    for (const open of batch) {
      const round = rounds.find((r) => !r.some((o) => o.slug === open.slug));
      if (round) round.push(open);
      else rounds.push([open]);
    }
    for (const round of rounds) {
      try {
        const rows = await this.openRound(round);
        for (const open of round) open.resolve(rows.get(open.slug) ?? null);
      } catch (error) {
        for (const open of round) open.reject(error);
      }
    }
  }

  private async openRound(round: Waiting[]): Promise<Map<string, OutpostRow>> {
    const slugs = round.map((o) => o.slug);
    const before = await this.db
      .select({ slug: outposts.slug, status: outposts.status, session: outposts.session })
      .from(outposts)
      .where(inArray(outposts.slug, slugs));
    if (before.length === 0) return new Map();
    const byCase = (value: (agent: AgentFacts) => string | undefined): SQL =>
      sql`case ${outposts.slug} ${sql.join(
        round.map((o) => sql`when ${o.slug} then ${value(o.agent) ?? null}::text`),
        sql` `,
      )} end`;
    const rows = await this.db
      .update(outposts)
      .set({
        session: sql`${outposts.session} + 1`,
        status: "CONNECTING",
        statusSince: sql`now()`,
        agentVersion: byCase((a) => a.agentVersion),
        publicUrl: byCase((a) => a.publicUrl),
        updatedAt: sql`now()`,
      })
      .where(inArray(outposts.slug, slugs))
      .returning();
    await this.db
      .insert(outpostHeartbeats)
      .values(rows.map((row) => ({ outpostId: row.id, session: row.session })))
      .onConflictDoUpdate({ target: outpostHeartbeats.outpostId, set: { session: sql`excluded.session`, lastSeenAt: sql`now()` } });
    const superseded = rows.flatMap((row) => {
      const old = before.find((b) => b.slug === row.slug);
      return old && (old.status === "ONLINE" || old.status === "CONNECTING")
        ? [
            {
              outpostId: row.id,
              kind: "superseded" as const,
              message: `agent session ${old.session} superseded by a new connection (session ${row.session}); the old one's reports are refused`,
            },
          ]
        : [];
    });
    if (superseded.length) await this.db.insert(outpostHistory).values(superseded);
    const agentOf = (slug: string) => round.find((o) => o.slug === slug)!.agent;
    await this.announcer.statusesChanged(
      rows.map((row) => ({
        outpost: row,
        kind: "connected",
        message: `agent ${agentOf(row.slug).agentVersion ?? "(version unknown)"} connected (session ${row.session})`,
      })),
    );
    return new Map(rows.map((row) => [row.slug, row]));
  }
}
