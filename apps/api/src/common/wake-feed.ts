/**
 * Wake-ups by key across replicas, for live feeds that are not in the event log (a Component's
 * output, its resource usage): a signal says only "key K has news" and followers read the news
 * from the database. In one process the signal is an EventEmitter; with PostgreSQL it goes
 * through NOTIFY on the feed's channel, so a follower on any replica hears it. Signals sent
 * while the LISTEN connection was down are lost: every follower is woken when it comes back.
 */
import { EventEmitter } from "node:events";
import type { Database } from "@pergola/db/client";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";

export class WakeFeed {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    /** The NOTIFY channel (PostgreSQL identifiers: lower-case, no quotes needed). */
    private readonly channel: string,
  ) {}

  async start(): Promise<void> {
    if (!this.database.listen) return;
    this.unlisten = await this.database.listen(
      this.channel,
      (key) => this.local.emit(key),
      () => this.wakeAll(),
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** After the commit of what it announces: followers read from the database when woken. */
  signal(key: string): void {
    if (!this.database.listen) {
      this.local.emit(key);
      return;
    }
    this.database.db
      .execute(sql`select pg_notify(${this.channel}, ${key})`)
      .catch((error) => this.logger.warn({ err: error, channel: this.channel }, "could not signal followers"));
  }

  watch(key: string, listener: () => void): () => void {
    this.local.on(key, listener);
    return () => this.local.off(key, listener);
  }

  private wakeAll(): void {
    for (const key of this.local.eventNames()) this.local.emit(key);
  }
}
