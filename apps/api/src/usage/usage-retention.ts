/**
 * How long usage is kept (USAGE in @pergola/schema): samples as the agents took them (10 s) for
 * an hour, then one point per minute until a day, then nothing. Run every minute by every
 * replica: both statements are idempotent, so replicas running them at once do no harm. The
 * first deletes whole minutes of samples older than an hour and writes each minute's average in
 * the same statement; a replica that runs it at the same time waits for those rows' locks and
 * then finds them gone, so no minute is averaged twice. (Samples that arrive older than an hour
 * are refused at the door, usage.service.ts, so a minute once averaged gets no latecomers.)
 */
import { rowsOf, type Db } from "@pergola/db/client";
import { componentUsage } from "@pergola/db/schema";
import { USAGE } from "@pergola/schema";
import { lt, sql } from "drizzle-orm";
import type { Logger } from "pino";

export interface Compaction {
  /** Points written (each a minute of one Component). */
  downsampled: number;
  /** Rows deleted for being older than the history kept. */
  pruned: number;
}

const STEP = USAGE.downsampledStepSeconds;

export async function compactUsage(db: Db): Promise<Compaction> {
  const u = componentUsage;
  // Whole steps only: the cut-off is the start of the step an hour ago.
  const cutoff = sql`to_timestamp(floor(extract(epoch from now() - make_interval(secs => ${USAGE.rawSeconds})) / ${STEP}) * ${STEP})`;
  const [downsampled] = rowsOf<{ n: number }>(
    await db.execute(sql`
    with moved as (
      delete from ${u} where ${u.stepSeconds} < ${STEP} and ${u.at} < ${cutoff}
      returning *
    ), written as (
      -- numeric rounding: ties away from zero on every platform (float8's is the platform's).
      insert into ${u} (stage_id, component, at, step_seconds, cpu_seconds_total, cpu, memory_bytes, open_files)
      select stage_id, component, to_timestamp(floor(extract(epoch from at) / ${STEP}) * ${STEP}), ${STEP},
        (array_agg(cpu_seconds_total order by at desc))[1],
        sum(cpu * step_seconds) / sum(step_seconds),
        round(sum(memory_bytes::numeric * step_seconds) / sum(step_seconds))::bigint,
        round(sum(open_files::numeric * step_seconds) / sum(step_seconds))::int
      from moved group by 1, 2, 3
      on conflict do nothing
      returning 1
    )
    select count(*)::int as n from written`),
  );
  const pruned = await db
    .delete(u)
    .where(lt(u.at, sql`now() - make_interval(secs => ${USAGE.historySeconds})`))
    .returning({ at: u.at });
  return { downsampled: Number(downsampled?.n ?? 0), pruned: pruned.length };
}

/** Compacts every `intervalMs` (and logs what it did at debug level); returns the function that stops it. */
export function startCompactingUsage(compact: () => Promise<Compaction>, intervalMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    compact().then(
      (done) => logger.debug(done, "usage compacted"),
      (error: unknown) => logger.warn({ err: error }, "usage compaction failed; it runs again later"),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
