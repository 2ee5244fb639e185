/**
 * Wake-ups for followers of Components' output (`componentLogs`). Output is no change of state,
 * so it is not in the event log; a signal says only "Stage S's Component C has new lines" and
 * followers read them from the components row (its `logs_total` says which are new). With
 * PostgreSQL it goes through NOTIFY on `pergola_logs` (at most one per Component per agent
 * report, ~every 2 s), so a follower on any replica hears it (common/wake-feed.ts).
 */
import type { Database } from "@pergola/db/client";
import type { Logger } from "pino";
import { WakeFeed } from "../common/wake-feed.js";

export const LOGS_CHANNEL = "pergola_logs";

export class LogFeed {
  private readonly feed: WakeFeed;

  constructor(database: Database, logger: Logger) {
    this.feed = new WakeFeed(database, logger, LOGS_CHANNEL);
  }

  start(): Promise<void> {
    return this.feed.start();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }

  signal(stageId: string, component: string): void {
    this.feed.signal(`${stageId}/${component}`);
  }

  watch(stageId: string, component: string, listener: () => void): () => void {
    return this.feed.watch(`${stageId}/${component}`, listener);
  }
}
