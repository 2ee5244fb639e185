/**
 * Wake-ups for followers of a Stage's usage (`componentMetrics`): a stored batch signals its
 * Stage, on every replica through NOTIFY `pergola_usage` (one per Stage per batch, ~every 10 s),
 * and followers read the new samples from component_usage.
 */
import type { Database } from "@pergola/db/client";
import type { Logger } from "pino";
import { WakeFeed } from "../common/wake-feed.js";

export const USAGE_CHANNEL = "pergola_usage";

export class UsageFeed extends WakeFeed {
  constructor(database: Database, logger: Logger) {
    super(database, logger, USAGE_CHANNEL);
  }
}
