/**
 * Writes to the event log. Every change of state is appended in the same transaction as the
 * change itself. `seq` is taken from the Project row, locked `FOR UPDATE`, so within a Project
 * seq order is commit order: a reader that has seen seq N has seen everything before N.
 * (A bare bigserial is not: id 7 can commit before id 6, and a reader resuming "after 7"
 * would lose 6 for good.)
 */
import type { Db, Tx } from "@pergola/db/client";
import { events, projects, type EventRow, type ProjectRow } from "@pergola/db/schema";
import { rowsOf } from "@pergola/db/client";
import { eq, lte, and, sql } from "drizzle-orm";
import { AppError, ErrorCode, PgCode, pgErrorCode } from "../errors.js";
import { commitNoticeTail, touchedBy } from "./commit.js";
import { EVENTS_CHANNEL, type EventKind } from "./event-kind.js";

export interface NewEvent {
  kind: EventKind;
  stageId?: string | null;
  payload: Record<string, unknown>;
}

export interface ProjectTx {
  tx: Tx;
  /** The Project row: locked for the rest of the transaction, unless the write locks it last. */
  project: ProjectRow;
  /** Queue an event; it is written with the next seq when the work returns. */
  emit(event: NewEvent): void;
}

/** The Project a write is for: by id, or by slug, opened (and the caller authorized) by `open`. */
export type ProjectTarget = ({ id: string } | { slug: string; open(tx: Tx, lock: boolean): Promise<ProjectRow> }) & {
  /** Who causes the change, as the events will name them (actorLabel); default "system". */
  actor?: string;
};

export interface InProjectOptions {
  /**
   * When the Project row is locked. "first" (the default): before the work, which then runs
   * alone in its Project. "last": only to take the events' seq, at the end — for work that locks
   * the rows it reads and changes itself (a Stage's row, first), so that writes to different
   * Stages of one Project run side by side and wait on each other only for that last statement.
   * Either way seq order is commit order.
   */
  lock?: "first" | "last";
}

export interface EventLogOptions {
  /** Events kept per Project; older ones are pruned and their cursors answer RESYNC_REQUIRED. */
  retention: number;
  /** Send `NOTIFY pergola_events` in the transaction (PostgreSQL, for other replicas). */
  notify: boolean;
  /** Called after commit with the events written: handed to this process's subscribers as they are. */
  onCommitted(projectId: string, written: readonly EventRow[]): void;
  /**
   * Facts derived from a commit's events, in its transaction, before they are written: returns
   * more events to write after them (a Stage's health, stages/stage.health.ts).
   */
  derive?(tx: Tx, queued: readonly NewEvent[]): Promise<NewEvent[]>;
  /** Called in the transaction with the events as written (a webhook's deliveries go in with their cause). */
  written?(tx: Tx, project: ProjectRow, written: readonly EventRow[]): Promise<void>;
}

const MAX_ATTEMPTS = 5;

export class EventLog {
  /** The deletes of pruned events, one after another, after their commits and apart from any write. */
  private pruning: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: EventLogOptions,
  ) {}

  /**
   * Runs `work` in a transaction, then appends what it emitted, in one statement that takes the
   * next seqs from the Project row (locked by it, if not before). The Project is found by id, or
   * by slug with the caller authorized in the same statement. Serialization failures and
   * deadlocks are retried a bounded number of times.
   */
  async inProject<T>(project: ProjectTarget, work: (ptx: ProjectTx) => Promise<T>, options: InProjectOptions = {}): Promise<T> {
    const lockFirst = (options.lock ?? "first") === "first";
    return this.withRetry(async () => {
      let written: EventRow[] = [];
      let pruneThrough: bigint | null = null;
      let projectId = "";
      const result = await this.db.transaction(async (tx) => {
        const row = "open" in project ? await project.open(tx, lockFirst) : await this.projectById(tx, project.id, lockFirst);
        projectId = row.id;
        const queued: NewEvent[] = [];
        const value = await work({ tx, project: row, emit: (e) => queued.push(e) });
        ({ written, pruneThrough } = await this.write(tx, row, queued, project.actor));
        return value;
      });
      this.committed(projectId, written);
      if (pruneThrough !== null) this.prune(projectId, pruneThrough);
      return result;
    });
  }

  private async projectById(tx: Tx, id: string, lock: boolean): Promise<ProjectRow> {
    const query = tx.select().from(projects).where(eq(projects.id, id));
    const [row] = lock ? await query.for("update") : await query;
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, "Project not found");
    return row;
  }

  /**
   * Appends events for a Project whose row the caller locked in `tx` (or just inserted), and
   * returns them as written.
   */
  async append(tx: Tx, project: ProjectRow, queued: readonly NewEvent[], actor = "system"): Promise<EventRow[]> {
    // A log start moved here is pruned with the next one (each prune deletes everything before its start).
    return (await this.write(tx, project, queued, actor)).written;
  }

  /**
   * One statement: the Project's seq moves by the number of events (this locks its row until the
   * commit, so seq order is commit order), the events go in with those seqs, the log start moves
   * once a tenth of the retention has gone past it, and on PostgreSQL a NOTIFY goes to every API
   * process (delivered at commit). The events' `at` is the transaction's time, as the column's default.
   */
  private async write(
    tx: Tx,
    project: ProjectRow,
    emitted: readonly NewEvent[],
    actor = "system",
  ): Promise<{ written: EventRow[]; pruneThrough: bigint | null }> {
    if (emitted.length === 0) return { written: [], pruneThrough: null };
    const derived = (await this.options.derive?.(tx, emitted)) ?? [];
    const queued = derived.length > 0 ? [...emitted, ...derived] : emitted;
    const n = queued.length;
    const retention = this.options.retention;
    const step = Math.max(1, Math.floor(retention / 10));
    const json = JSON.stringify(queued.map((e) => ({ stageId: e.stageId ?? null, kind: e.kind, payload: e.payload })));
    // The notice names what the commit touched (commit.ts); its seq is the one this statement takes.
    const tail = commitNoticeTail(project.id, touchedBy(queued));
    const notify = this.options.notify ? sql`, pg_notify(${EVENTS_CHANNEL}, ${project.id} || ':' || p.seq || ${tail})` : sql``;
    const [row] = rowsOf<{ seq: string; moved: boolean; log_start: string; at: string | Date }>(
      await tx.execute(sql`
        with p as (
          update ${projects} set seq = seq + ${n},
            log_start = case when seq + ${n} - ${retention} - log_start >= ${step} then seq + ${n} - ${retention} else log_start end
          where id = ${project.id}
          returning seq, log_start, log_start <> ${project.logStart.toString()}::bigint as moved
        ), e as (
          insert into ${events} (project_id, seq, stage_id, kind, payload, actor)
          select ${project.id}, p.seq - ${n} + u.ord, (u.event->>'stageId')::uuid, u.event->>'kind', u.event->'payload', ${actor}
          from p, jsonb_array_elements(${json}::jsonb) with ordinality as u(event, ord)
        )
        select p.seq::text as seq, p.log_start::text as log_start, p.moved, now() as at${notify} from p`),
    );
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, "Project not found");
    const last = BigInt(row.seq);
    const at = row.at instanceof Date ? row.at : new Date(row.at);
    // The payloads as they were stored (JSON), not the objects the work built.
    const stored = JSON.parse(json) as { stageId: string | null; kind: string; payload: unknown }[];
    const written = stored.map((e, i) => ({
      projectId: project.id,
      seq: last - BigInt(n - 1 - i),
      stageId: e.stageId,
      kind: e.kind,
      payload: e.payload,
      actor,
      at,
    }));
    project.seq = last;
    const logStart = BigInt(row.log_start);
    project.logStart = logStart;
    await this.options.written?.(tx, project, written);
    return { written, pruneThrough: row.moved ? logStart : null };
  }

  /** Deletes a Project's events up to `through` (its cursors already answer RESYNC_REQUIRED), one prune at a time. */
  private prune(projectId: string, through: bigint): void {
    this.pruning = this.pruning
      .then(() => this.db.delete(events).where(and(eq(events.projectId, projectId), lte(events.seq, through))))
      .then(
        () => undefined,
        () => undefined, // the next prune of the Project deletes these too
      );
  }

  /** Waits for the prunes under way (tests, shutdown). */
  async drain(): Promise<void> {
    await this.pruning;
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
