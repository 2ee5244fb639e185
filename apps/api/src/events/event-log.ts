/**
 * Writes to the event log. Every change of state is appended in the same transaction as the
 * change itself. `seq` is taken from the Project row, locked `FOR UPDATE`, so within a Project
 * seq order is commit order: a reader that has seen seq N has seen everything before N.
 * (A bare bigserial is not: id 7 can commit before id 6, and a reader resuming "after 7"
 * would lose 6 for good.)
 */
import type { Db, Tx } from "@pergola/db/client";
import { events, projects, type EventRow, type ProjectRow } from "@pergola/db/schema";
import { eq, lte, and, sql } from "drizzle-orm";
import { AppError, ErrorCode, PgCode, pgErrorCode } from "../errors.js";
import { formatCommitNotice, touchedBy } from "./commit.js";
import { EVENTS_CHANNEL, type EventKind } from "./event-kind.js";

export interface NewEvent {
  kind: EventKind;
  stageId?: string | null;
  payload: Record<string, unknown>;
}

export interface ProjectTx {
  tx: Tx;
  /** The Project row, locked for the rest of the transaction. */
  project: ProjectRow;
  /** Queue an event; it is written with the next seq when the work returns. */
  emit(event: NewEvent): void;
}

export interface EventLogOptions {
  /** Events kept per Project; older ones are pruned and their cursors answer RESYNC_REQUIRED. */
  retention: number;
  /** Send `NOTIFY pergola_events` in the transaction (PostgreSQL, for other replicas). */
  notify: boolean;
  /** Called after commit with the events written: handed to this process's subscribers as they are. */
  onCommitted(projectId: string, written: readonly EventRow[]): void;
}

const MAX_ATTEMPTS = 5;

export class EventLog {
  constructor(
    private readonly db: Db,
    private readonly options: EventLogOptions,
  ) {}

  /**
   * Runs `work` in a transaction holding the Project row lock, then appends what it emitted.
   * The Project is found by id, or by slug with the caller's authorization checked under the
   * lock (one statement fewer than looking it up first).
   * Serialization failures and deadlocks are retried a bounded number of times.
   */
  async inProject<T>(
    project: ({ id: string } | { slug: string; authorize(tx: Tx, project: ProjectRow): Promise<void> }) & {
      /** Who causes the change, as the events will name them (actorLabel); default "system". */
      actor?: string;
    },
    work: (ptx: ProjectTx) => Promise<T>,
  ): Promise<T> {
    return this.withRetry(async () => {
      let written: EventRow[] = [];
      let projectId = "";
      const result = await this.db.transaction(async (tx) => {
        const where = "id" in project ? eq(projects.id, project.id) : eq(projects.slug, project.slug);
        const [row] = await tx.select().from(projects).where(where).for("update");
        if (!row) throw new AppError(ErrorCode.NOT_FOUND, "slug" in project ? `Project "${project.slug}" not found` : "Project not found");
        if ("authorize" in project) await project.authorize(tx, row);
        projectId = row.id;
        const queued: NewEvent[] = [];
        const value = await work({ tx, project: row, emit: (e) => queued.push(e) });
        written = await this.append(tx, row, queued, project.actor);
        return value;
      });
      this.committed(projectId, written);
      return result;
    });
  }

  /**
   * Appends events for a Project row the caller has locked (or just inserted) in `tx`, and
   * returns them as written. Two statements: the insert, and the seq update (with the NOTIFY
   * folded into it on PostgreSQL); a third, the prune, once per tenth of the retention.
   */
  async append(tx: Tx, project: ProjectRow, queued: readonly NewEvent[], actor = "system"): Promise<EventRow[]> {
    if (queued.length === 0) return [];
    const first = project.seq + 1n;
    const last = project.seq + BigInt(queued.length);
    const written = await tx
      .insert(events)
      .values(
        queued.map((e, i) => ({
          projectId: project.id,
          seq: first + BigInt(i),
          stageId: e.stageId ?? null,
          kind: e.kind,
          payload: e.payload,
          actor,
        })),
      )
      .returning();
    const pruneThrough = last - BigInt(this.options.retention);
    // Prune in batches (a tenth of the retention) so the delete is amortized over many writes.
    const prune = pruneThrough - project.logStart >= BigInt(Math.max(1, Math.floor(this.options.retention / 10)));
    const logStart = prune ? sql`, log_start = ${pruneThrough.toString()}::bigint` : sql``;
    if (this.options.notify) {
      // Delivered at commit, to every API process (this one included) listening.
      await tx.execute(sql`
        with updated as (
          update ${projects} set seq = ${last.toString()}::bigint${logStart} where id = ${project.id} returning id
        )
        select pg_notify(${EVENTS_CHANNEL}, ${formatCommitNotice(project.id, last, touchedBy(queued))}) from updated`);
    } else {
      await tx.execute(sql`update ${projects} set seq = ${last.toString()}::bigint${logStart} where id = ${project.id}`);
    }
    if (prune) {
      await tx.delete(events).where(and(eq(events.projectId, project.id), lte(events.seq, pruneThrough)));
    }
    project.seq = last;
    return written;
  }

  /** The in-process hand-over for writes made outside `inProject` (such as creating the Project). */
  committed(projectId: string, written: readonly EventRow[]): void {
    if (written.length) this.options.onCommitted(projectId, written);
  }

  async withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const code = pgErrorCode(error);
        const retryable = code === PgCode.serializationFailure || code === PgCode.deadlockDetected;
        if (!retryable || n >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}
