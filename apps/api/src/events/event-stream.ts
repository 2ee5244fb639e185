/** A subscriber's stream of a Project's events, fed by the EventBus (event-bus.ts). */
import type { EventRow } from "@pergola/db/schema";
import { FixedBuffer, Repeater } from "@repeaterjs/repeater";
import { AppError, ErrorCode } from "../errors.js";

/** Receives a Project's batches of new events, as the feed reads them. */
export interface Subscriber {
  deliver(rows: readonly EventRow[]): void;
}

/** A stream's attachment to its Project's feed: the batches, and the log to replay and fill gaps from. */
export interface FeedLink {
  /** Settles once the feed knows where the log ends. */
  ready: Promise<void>;
  readProject(): Promise<{ seq: bigint; logStart: bigint } | undefined>;
  readAll(after: bigint, before: bigint | null): Promise<EventRow[]>;
  detach(): void;
}

/** What a stream needs of the EventBus (event-bus.ts), which implements it. */
export interface EventFeed {
  connect(projectId: string, subscriber: Subscriber): FeedLink;
}

/** Receives a stream's events, in order, synchronously when they arrive in order. */
export interface EventSink {
  next(row: EventRow): void;
  error(error: unknown): void;
}

/**
 * One subscriber's stream. `listen(sink)` is the fast path (shared fan-out calls it with a
 * plain callback); iterating it gives an AsyncIterable for everything else.
 *
 * It replays the log after its cursor first, then takes the feed's batches: rows at or below
 * its position are skipped, a gap is filled from the log before going on. So it delivers each
 * event once, in order, whatever the wake-ups did.
 */
export class EventStream implements AsyncIterable<EventRow> {
  constructor(
    private readonly bus: EventFeed,
    private readonly projectId: string,
    private readonly after: bigint | null,
    private readonly accept: (row: EventRow) => boolean,
  ) {}

  /** Starts delivering to `sink`; the returned function stops it. */
  listen(sink: EventSink): () => void {
    const queue: (readonly EventRow[])[] = [];
    let busy = true; // replaying or filling a gap: batches wait in `queue`
    let closed = false;
    let position = 0n;
    const link = this.bus.connect(this.projectId, {
      deliver(rows) {
        queue.push(rows);
        if (!busy) drain();
      },
    });
    const close = () => {
      if (closed) return;
      closed = true;
      link.detach();
    };
    const fail = (error: unknown) => {
      if (closed) return;
      close();
      sink.error(error);
    };
    const emit = (row: EventRow) => {
      position = row.seq;
      if (this.accept(row)) sink.next(row);
    };
    const drain = () => {
      while (!closed && queue.length) {
        const rows = queue.shift()!;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          if (row.seq <= position) continue;
          if (row.seq > position + 1n) {
            busy = true;
            queue.unshift(rows.slice(i));
            link.readAll(position, row.seq).then((missed) => {
              for (const m of missed) if (!closed) emit(m);
              busy = false;
              drain();
            }, fail);
            return;
          }
          emit(row);
        }
      }
    };
    const start = async () => {
      await link.ready;
      const project = await link.readProject();
      if (!project) throw new AppError(ErrorCode.NOT_FOUND, "Project not found");
      const { after } = this;
      if (after !== null && after < project.logStart) {
        throw new AppError(
          ErrorCode.RESYNC_REQUIRED,
          `cursor ${after} is older than the retained event log (it starts after ${project.logStart}); refetch and subscribe again`,
        );
      }
      if (after !== null && after > project.seq) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `after: cursor ${after} is ahead of the event log`, { field: "after" });
      }
      position = after ?? project.seq;
      // Replay what the log holds after the cursor; live batches queue up meanwhile.
      for (const row of await link.readAll(position, null)) {
        if (closed) return;
        emit(row);
      }
      busy = false;
      drain();
    };
    start().catch(fail);
    return close;
  }

  [Symbol.asyncIterator](): AsyncIterator<EventRow> {
    // Unbounded in practice: a replay may hold the whole retained log.
    return new Repeater<EventRow>(async (push, stop) => {
      const close = this.listen({ next: (row) => void push(row), error: (error) => stop(error) });
      await stop;
      close();
    }, new FixedBuffer(1_000_000))[Symbol.asyncIterator]();
  }
}
