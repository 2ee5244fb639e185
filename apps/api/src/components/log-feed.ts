/**
 * Wake-ups for followers of Components' output (`componentLogs`). Output is no change of state,
 * so it is not in the event log; a signal says only "Stage S's Component C has new lines" and
 * followers read them from the components row (its `logs_total` says which are new). In one
 * process the signal is an EventEmitter; with PostgreSQL it goes through NOTIFY on
 * `pergola_logs` (at most one per Component per agent report, ~every 2 s), so a follower on any
 * replica hears it.
 */
import { EventEmitter } from "node:events";
import type { Database } from "@pergola/db/client";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";

export const LOGS_CHANNEL = "pergola_logs";

export class LogFeed {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.database.listen) return;
    this.unlisten = await this.database.listen(
      LOGS_CHANNEL,
      (key) => this.local.emit(key),
      // Signals sent while the connection was down are lost: every follower reads again.
      () => this.wakeAll(),
    );
  }

  private wakeAll(): void {
    for (const key of this.local.eventNames()) this.local.emit(key);
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  signal(stageId: string, component: string): void {
    const key = `${stageId}/${component}`;
    if (!this.database.listen) {
      this.local.emit(key);
      return;
    }
    this.database.db
      .execute(sql`select pg_notify(${LOGS_CHANNEL}, ${key})`)
      .catch((error) => this.logger.warn({ err: error }, "could not signal new output"));
  }

  watch(stageId: string, component: string, listener: () => void): () => void {
    const key = `${stageId}/${component}`;
    this.local.on(key, listener);
    return () => this.local.off(key, listener);
  }
}
