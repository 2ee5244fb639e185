/** A subscriber's stream of a Project's events, fed by the EventBus (event-bus.ts). */
import type { EventRow } from "@pergola/db/schema";
import { AppError, ErrorCode } from "../errors.js";

/** Rows read from the log at a time, when replaying or catching up. */
export const EVENT_PAGE = 500;

/** Receives a Project's batches of new events, as the feed reads them. */
export interface Subscriber {
  deliver(rows: readonly EventRow[]): void;
}

/** A stream's attachment to its Project's feed: the batches, and the log to replay and fill gaps from. */
export interface FeedLink {
  /** Settles once the feed knows where the log ends. */
  ready: Promise<void>;
  readProject(): Promise<{ seq: bigint; logStart: bigint } | undefined>;
  /** At most EVENT_PAGE events after `after`, in seq order. */
  readPage(after: bigint): Promise<EventRow[]>;
  detach(): void;
}

/** What a stream needs of the EventBus (event-bus.ts), which implements it. */
export interface EventFeed {
  connect(projectId: string, subscriber: Subscriber): FeedLink;
}

/**
 * How far behind the consumer is. Without it a stream sends as fast as the log is read and
 * live events come.
 */
export interface FlowControl {
  /** The consumer holds too much it has not taken (a socket's buffered bytes): send no more live events. */
  full(): boolean;
  /** Settles once the consumer has taken enough that the next page may be sent. */
  ready(): Promise<void>;
}

/** Receives a stream's events, in order, synchronously when they arrive in order. */
export interface EventSink {
  next(row: EventRow): void;
  error(error: unknown): void;
  flow?: FlowControl;
}

/**
 * One subscriber's stream. `listen(sink)` is the fast path (shared fan-out calls it with a
 * plain callback); iterating it gives an AsyncIterable for everything else.
 *
 * Two modes, and what the subscriber holds in each is bounded:
 *  - reading: the log after the stream's position, a page at a time, each page sent before the
 *    next is read and only once the consumer is ready for it. Live batches arriving meanwhile
 *    are not kept, only the highest seq they announce: reading goes on until it has passed that
 *    seq and the log had nothing more, so the switch to live loses and repeats nothing.
 *  - live: the feed's batches as they come; rows at or below the position are skipped. A gap,
 *    or a consumer that is full, goes back to reading.
 * Replaying `after` a cursor is the first reading. When the rows after the position are no
 * longer in the log (pruned while the consumer was away or too slow to keep up), the stream
 * fails with RESYNC_REQUIRED: seqs are contiguous in the log, so a page not starting at
 * position + 1 means exactly that.
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
    let reading = true;
    let closed = false;
    let position = 0n;
    /** The highest seq the feed has delivered: reading ends at or after it. */
    let announced = 0n;
    const link = this.bus.connect(this.projectId, {
      deliver(rows) {
        if (closed || rows.length === 0) return;
        const last = rows[rows.length - 1]!.seq;
        if (last > announced) announced = last;
        if (reading) return;
        for (const row of rows) {
          if (row.seq <= position) continue;
          if (row.seq !== position + 1n || sink.flow?.full()) return catchUp();
          emit(row);
        }
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
    const pruned = () =>
      new AppError(
        ErrorCode.RESYNC_REQUIRED,
        `the events after cursor ${position} are no longer in the retained event log; refetch and subscribe again`,
      );
    const read = async () => {
      for (;;) {
        await sink.flow?.ready();
        if (closed) return;
        const page = await link.readPage(position);
        if (closed) return;
        if (page.length > 0 && page[0]!.seq !== position + 1n) throw pruned();
        for (const row of page) emit(row);
        if (page.length < EVENT_PAGE && position >= announced) break;
        // Announced, yet not in the log: pruned meanwhile (or the Project is gone).
        if (page.length === 0) throw pruned();
      }
      reading = false;
    };
    const catchUp = () => {
      reading = true;
      read().catch(fail);
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
      await read();
    };
    start().catch(fail);
    return close;
  }

  [Symbol.asyncIterator](): AsyncIterator<EventRow> {
    return iterate(this);
  }
}

/** Events an iterator holds before its stream stops sending live ones and reads the log at the consumer's pace. */
const ITERATOR_HIGH_WATER = EVENT_PAGE * 2;

/** The stream as an AsyncIterator whose queue stays bounded (by flow control). */
function iterate(stream: EventStream): AsyncIterator<EventRow> {
  const queue: EventRow[] = [];
  let failure: { error: unknown } | undefined;
  let done = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const close = stream.listen({
    next(row) {
      queue.push(row);
      wakeConsumer?.();
    },
    error(error) {
      failure = { error };
      wakeConsumer?.();
    },
    flow: {
      full: () => queue.length >= ITERATOR_HIGH_WATER,
      ready: () => (queue.length <= EVENT_PAGE ? Promise.resolve() : new Promise((resolve) => (wakeProducer = resolve))),
    },
  });
  const finish = (): IteratorResult<EventRow> => {
    done = true;
    close();
    queue.length = 0;
    wakeProducer?.();
    wakeConsumer?.();
    return { done: true, value: undefined };
  };
  return {
    async next() {
      while (!done && queue.length === 0 && !failure) {
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
        wakeConsumer = undefined;
      }
      if (queue.length > 0) {
        const value = queue.shift()!;
        if (queue.length <= EVENT_PAGE && wakeProducer) {
          const wake = wakeProducer;
          wakeProducer = undefined;
          wake();
        }
        return { done: false, value };
      }
      if (failure && !done) {
        finish();
        throw failure.error;
      }
      return finish();
    },
    async return() {
      return finish();
    },
  };
}
