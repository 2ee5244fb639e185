/**
 * Auto-suspend (StagePolicy.autoSuspendAfterHours): a RUNNING Stage whose links the API's gateway
 * has not served for that many hours is suspended, as suspendStage would (the events name the
 * policy as their actor). The gateway tells `touch` of every request it forwards; the time is
 * written at most once a minute per Stage, so traffic costs no write per request. Quiet time
 * counts from the later of the last traffic and the Stage's last change (created, resumed,
 * renamed): a Stage just resumed is not suspended again at once.
 *
 * Only Stages on the built-in local Outpost: an Outpost's links are served by its agent's own
 * gateway, whose traffic the API does not see (yet), so its Stages are never auto-suspended.
 */
import type { Db } from "@pergola/db/client";
import { stagePolicies, stages } from "@pergola/db/schema";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
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

  /** One of the Stage's links was served; resolves once that is written (the gateway does not wait). */
  async touch(stageId: string, now = Date.now()): Promise<void> {
    const last = this.touched.get(stageId);
    if (last !== undefined && now - last < this.touchEveryMs) return;
    this.touched.set(stageId, now);
    await this.db
      .update(stages)
      .set({ lastTrafficAt: new Date(now) })
      .where(eq(stages.id, stageId))
      .catch((error: unknown) => this.logger.warn({ err: error, stageId }, "could not note a Stage's traffic"));
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
    const quietSince = sql`greatest(coalesce(${stages.lastTrafficAt}, ${stages.updatedAt}), ${stages.updatedAt})`;
    const due = await this.db
      .select({ id: stages.id, slug: stages.slug, projectId: stages.projectId, type: stages.type })
      .from(stages)
      .innerJoin(stagePolicies, eq(stagePolicies.type, stages.type))
      .where(
        and(
          eq(stages.state, "RUNNING"),
          isNull(stages.archivedAt),
          isNull(stages.outpostId),
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
