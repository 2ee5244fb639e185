/**
 * Delivers the event log live. One `ProjectFeed` per Project with subscribers in this process
 * reads each new batch of events once and hands the same row objects to every subscriber
 * (so execution can be shared per event, see graphql/shared-execution.ts).
 *
 * Wake-ups carry no data, only "Project P has events up to seq N": in-process after commit,
 * and from PostgreSQL NOTIFY when several API processes share a database. Subscribers track
 * their own position and fill any gap from the log, so a lost or reordered wake-up can delay
 * an event but never drop or repeat one.
 */
import type { Database, Db } from "@pergola/db/client";
import { events, projects, type EventRow } from "@pergola/db/schema";
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import { type Commit, type CommitTouched, parseCommitNotice, touchedBy } from "./commit.js";
import { EVENTS_CHANNEL } from "./event-kind.js";
import { EVENT_PAGE, type EventFeed, EventStream, type Subscriber } from "./event-stream.js";

interface ProjectFeed {
  lastSeq: bigint;
  wanted: bigint;
  ready: Promise<void>;
  /** `ready` has settled: `lastSeq` is known. */
  started: boolean;
  pumping: boolean;
  subscribers: Set<Subscriber>;
}

export class EventBus implements EventFeed {
  private readonly feeds = new Map<string, ProjectFeed>();
  private readonly commitListeners = new Set<(commit: Commit) => void>();
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    /** Told of each batch handed live to a Project's subscribers (the event delivery lag metric). */
    private readonly delivered: (rows: readonly EventRow[]) => void = () => {},
  ) {}

  private get db(): Db {
    return this.database.db;
  }

  /** With PostgreSQL: one LISTEN connection for the whole process. */
  async start(): Promise<void> {
    if (!this.database.listen) return;
    this.unlisten = await this.database.listen(
      EVENTS_CHANNEL,
      (payload) => {
        const commit = parseCommitNotice(payload);
        if (commit) this.signal(commit.projectId, commit.seq, commit.touched);
      },
      () => void this.resume(),
    );
  }

  /**
   * The LISTEN connection came back after a fault (a restart, a failover): wake-ups sent
   * meanwhile are lost, so each followed Project is woken up to its committed seq, and its
   * feed reads what it missed from the log.
   */
  private async resume(): Promise<void> {
    const followed = [...this.feeds.keys()];
    if (followed.length === 0) return;
    try {
      const rows = await this.db.select({ id: projects.id, seq: projects.seq }).from(projects).where(inArray(projects.id, followed));
      for (const { id, seq } of rows) this.signal(id, seq);
    } catch (error) {
      this.logger.warn({ err: error }, "could not catch up the event feeds after a reconnection; the next wake-up will");
    }
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.feeds.clear();
  }

  /**
   * Events this process just committed: handed to the Project's subscribers as they are when
   * they follow what the feed has seen, without reading them back; otherwise a wake-up.
   */
  publish(projectId: string, written: readonly EventRow[]): void {
    if (this.commitListeners.size > 0) this.notifyCommit({ projectId, touched: touchedBy(written) });
    const feed = this.feeds.get(projectId);
    const first = written[0];
    if (!feed || !first) return;
    const last = written[written.length - 1]!.seq;
    if (feed.started && !feed.pumping && feed.lastSeq === first.seq - 1n) {
      feed.lastSeq = last;
      if (last > feed.wanted) feed.wanted = last;
      this.deliver(feed, written);
      return;
    }
    this.wake(projectId, last);
  }

  /**
   * "Project `projectId` has committed events up to `seq`", with what they touched when that
   * is known. Cheap when nobody listens.
   */
  signal(projectId: string, seq: bigint, touched?: CommitTouched): void {
    this.notifyCommit({ projectId, touched });
    this.wake(projectId, seq);
  }

  private wake(projectId: string, seq: bigint): void {
    const feed = this.feeds.get(projectId);
    if (!feed) return;
    if (seq > feed.wanted) feed.wanted = seq;
    void this.pump(projectId, feed);
  }

  /**
   * The Project's events after `after` (or from now when null), then live ones, in seq order,
   * each exactly once. Fails with RESYNC_REQUIRED when `after` is older than the retained log.
   */
  subscribe(projectId: string, after: bigint | null, accept: (row: EventRow) => boolean): EventStream {
    return new EventStream(this, projectId, after, accept);
  }

  /**
   * Called for every commit in any Project (this process's, and other replicas' through
   * NOTIFY; a commit may be announced twice, and after a lost LISTEN connection without
   * `touched`). For readers that span Projects, such as an agent's desired state, which
   * re-read what concerns them.
   */
  onCommit(listener: (commit: Commit) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private notifyCommit(commit: Commit): void {
    for (const listener of this.commitListeners) listener(commit);
  }

  private deliver(feed: ProjectFeed, rows: readonly EventRow[]): void {
    for (const subscriber of feed.subscribers) subscriber.deliver(rows);
    this.delivered(rows);
  }

  /** @internal For `EventStream`s: see EventFeed. */
  readProject(projectId: string): Promise<{ seq: bigint; logStart: bigint } | undefined> {
    return this.db
      .select({ seq: projects.seq, logStart: projects.logStart })
      .from(projects)
      .where(eq(projects.id, projectId))
      .then(([project]) => project);
  }

  /** @internal For `EventStream`s: see EventFeed. */
  attach(projectId: string, subscriber: Subscriber): Promise<void> {
    let feed = this.feeds.get(projectId);
    if (!feed) {
      const created: ProjectFeed = {
        lastSeq: 0n,
        wanted: 0n,
        pumping: false,
        started: false,
        subscribers: new Set(),
        ready: this.db
          .select({ seq: projects.seq })
          .from(projects)
          .where(eq(projects.id, projectId))
          .then(([row]) => {
            created.lastSeq = row?.seq ?? 0n;
            created.started = true;
            if (created.wanted > created.lastSeq) void this.pump(projectId, created);
          })
          .catch((error: unknown) => {
            // Its subscribers fail with this error; later ones get a new feed.
            if (this.feeds.get(projectId) === created) this.feeds.delete(projectId);
            throw error;
          }),
      };
      feed = created;
      this.feeds.set(projectId, feed);
    }
    feed.subscribers.add(subscriber);
    return feed.ready;
  }

  /** @internal For `EventStream`s: see EventFeed. */
  detach(projectId: string, subscriber: Subscriber): void {
    const feed = this.feeds.get(projectId);
    if (!feed) return;
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0) this.feeds.delete(projectId);
  }

  /** One reader per feed: fetches each new batch once and hands it to every subscriber. */
  private async pump(projectId: string, feed: ProjectFeed): Promise<void> {
    if (feed.pumping) return;
    feed.pumping = true;
    try {
      await feed.ready;
      while (feed.wanted > feed.lastSeq && this.feeds.get(projectId) === feed) {
        const rows = await this.readPage(projectId, feed.lastSeq);
        if (rows.length === 0) {
          feed.lastSeq = feed.wanted; // pruned or not visible: subscribers fill gaps themselves
          break;
        }
        feed.lastSeq = rows[rows.length - 1]!.seq;
        this.deliver(feed, rows);
      }
    } catch (error) {
      this.logger.error({ err: error, projectId }, "event feed read failed; subscribers will fill the gap");
    } finally {
      feed.pumping = false;
    }
  }

  /** @internal For `EventStream`s (and the feed's own reads): see EventFeed. */
  readPage(projectId: string, after: bigint): Promise<EventRow[]> {
    return this.db
      .select()
      .from(events)
      .where(and(eq(events.projectId, projectId), gt(events.seq, after)))
      .orderBy(asc(events.seq))
      .limit(EVENT_PAGE);
  }
}
