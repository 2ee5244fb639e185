/**
 * Auto-suspend (StagePolicy.autoSuspendAfterHours): a RUNNING Stage whose links have not been
 * served for that many hours is suspended, as suspendStage would (the events name the policy as
 * their actor). Quiet time counts from the later of the last traffic and the Stage's last change
 * (created, resumed, renamed): a Stage just resumed is not suspended again at once.
 *
 * Two gateways serve links. The API's own (Stages on the built-in local Outpost) tells `touch` of
 * every request it forwards. An Outpost's agent serves its Stages' links itself, out of the API's
 * sight: it notes the last request it forwarded to each Stage and sends that time with its
 * reports (`StatusReportInput.lastTrafficAt`), which ComponentService hands to `noteReported`.
 * Either way the time is written at most once a minute per Stage, so traffic costs no write per
 * request, and never backwards (an agent's report can be older than what is stored).
 *
 * What the API cannot hear it does not judge: a Stage on an Outpost that is not ONLINE is left
 * alone, and its quiet time counts from when the Outpost came ONLINE at the earliest, so an agent
 * that just reconnected has time to report the traffic it served while it was cut off.
 */
import type { Db } from "@pergola/db/client";
import { outposts, stagePolicies, stages } from "@pergola/db/schema";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { AppError, ErrorCode } from "../errors.js";
import type { StageService } from "../stages/stage.service.js";

export interface AutoSuspendOptions {
  /** How often RUNNING Stages are looked at; default 5 minutes. */
  intervalMs?: number;
  /** A Stage's last traffic is written at most once in this time; default 60 s. */
  touchEveryMs?: number;
}

export class AutoSuspend {
  private readonly touched = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly touchEveryMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly stageService: Pick<StageService, "suspendStage">,
    private readonly logger: Pick<Logger, "warn">,
    options: AutoSuspendOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5 * 60_000;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
  }

  /**
   * One of the Stage's links was served at `at` (default now); resolves once that is written
   * (the gateway does not wait). A time within a minute of the last one written, or before it,
   * writes nothing.
   */
  async touch(stageId: string, at = Date.now()): Promise<void> {
    const last = this.touched.get(stageId);
    if (last !== undefined && at - last < this.touchEveryMs) return;
    this.touched.set(stageId, at);
    const when = new Date(at);
    await this.db
      .update(stages)
      .set({ lastTrafficAt: when })
      .where(and(eq(stages.id, stageId), or(isNull(stages.lastTrafficAt), lt(stages.lastTrafficAt, when))))
      .catch((error: unknown) => this.logger.warn({ err: error, stageId }, "could not note a Stage's traffic"));
  }

  /**
   * An Outpost's agent reported when its gateway last forwarded a request to the Stage. The time
   * is on the agent's clock: one ahead of the API's counts as now, so a fast clock cannot keep a
   * Stage busy into the future.
   */
  noteReported(stageId: string, at: Date): Promise<void> {
    return this.touch(stageId, Math.min(at.getTime(), Date.now()));
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, "auto-suspend sweep failed"));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Suspends the Stages that have been quiet too long by `now`; returns their ids. */
  async sweep(now = new Date()): Promise<string[]> {
    // greatest() skips nulls: a local Stage has no Outpost's statusSince, a quiet one no traffic.
    const quietSince = sql`greatest(${stages.lastTrafficAt}, ${stages.updatedAt}, ${outposts.statusSince})`;
    const due = await this.db
      .select({ id: stages.id, slug: stages.slug, projectId: stages.projectId, type: stages.type })
      .from(stages)
      .innerJoin(stagePolicies, eq(stagePolicies.type, stages.type))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(
        and(
          eq(stages.state, "RUNNING"),
          isNull(stages.archivedAt),
          or(isNull(stages.outpostId), eq(outposts.status, "ONLINE")),
          gt(stagePolicies.autoSuspendAfterHours, 0),
          sql`${quietSince} <= ${now.toISOString()}::timestamptz - make_interval(hours => ${stagePolicies.autoSuspendAfterHours})`,
        ),
      );
    const suspended: string[] = [];
    for (const stage of due) {
      try {
        const actor = `auto-suspend (policy of ${stage.type} Stages)`;
        await this.stageService.suspendStage({ id: stage.projectId, actor }, stage.slug, true);
        suspended.push(stage.id);
      } catch (error) {
        // Changed since it was read (suspended, archived): nothing to do.
        if (error instanceof AppError && error.code === ErrorCode.STATE_CONFLICT) continue;
        this.logger.warn({ err: error, stage: stage.slug }, "auto-suspend failed");
      }
    }
    return suspended;
  }
}
