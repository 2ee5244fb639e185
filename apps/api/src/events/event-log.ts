/**
 * Writes to the event log. Every change of state is appended in the same transaction as the
 * change itself. `seq` is taken from the Project row, locked `FOR UPDATE`, so within a Project
 * seq order is commit order: a reader that has seen seq N has seen everything before N.
 * (A bare bigserial is not: id 7 can commit before id 6, and a reader resuming "after 7"
 * would lose 6 for good.)
 */
import type { Db, Tx } from "@pergola/db/client";
import { events, projects, type ProjectRow } from "@pergola/db/schema";
import { eq, lte, and, sql } from "drizzle-orm";
import { AppError, ErrorCode, PgCode, pgErrorCode } from "../errors.js";
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
  /** Called after commit with the newest seq written: the in-process wake-up. */
  onCommitted(projectId: string, seq: bigint): void;
}

const MAX_ATTEMPTS = 5;

export class EventLog {
  constructor(
    private readonly db: Db,
    private readonly options: EventLogOptions,
  ) {}

  /**
   * Runs `work` in a transaction holding the Project row lock, then appends what it emitted.
   * Serialization failures and deadlocks are retried a bounded number of times.
   */
  async inProject<T>(projectId: string, work: (ptx: ProjectTx) => Promise<T>): Promise<T> {
    return this.withRetry(async () => {
      let written: bigint | undefined;
      const result = await this.db.transaction(async (tx) => {
        const [project] = await tx.select().from(projects).where(eq(projects.id, projectId)).for("update");
        if (!project) throw new AppError(ErrorCode.NOT_FOUND, "Project not found");
        const queued: NewEvent[] = [];
        const value = await work({ tx, project, emit: (e) => queued.push(e) });
        written = await this.append(tx, project, queued);
        return value;
      });
      if (written !== undefined) this.committed(projectId, written);
      return result;
    });
  }

  /** Appends events for a Project row the caller has locked (or just inserted) in `tx`. */
  async append(tx: Tx, project: ProjectRow, queued: readonly NewEvent[]): Promise<bigint | undefined> {
    if (queued.length === 0) return undefined;
    const first = project.seq + 1n;
    const last = project.seq + BigInt(queued.length);
    await tx.insert(events).values(
      queued.map((e, i) => ({
        projectId: project.id,
        seq: first + BigInt(i),
        stageId: e.stageId ?? null,
        kind: e.kind,
        payload: e.payload,
      })),
    );
    const pruneThrough = last - BigInt(this.options.retention);
    // Prune in batches (a tenth of the retention) so the delete is amortized over many writes.
    const prune = pruneThrough - project.logStart >= BigInt(Math.max(1, Math.floor(this.options.retention / 10)));
    await tx
      .update(projects)
      .set(prune ? { seq: last, logStart: pruneThrough } : { seq: last })
      .where(eq(projects.id, project.id));
    if (prune) {
      await tx.delete(events).where(and(eq(events.projectId, project.id), lte(events.seq, pruneThrough)));
    }
    if (this.options.notify) {
      await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${`${project.id}:${last}`})`);
    }
    project.seq = last;
    return last;
  }

  /** The in-process wake-up for writes made outside `inProject` (such as creating the Project). */
  committed(projectId: string, seq: bigint): void {
    this.options.onCommitted(projectId, seq);
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
