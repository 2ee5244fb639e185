/** A subscriber's stream of a Project's events, fed by the EventBus (event-bus.ts). */
import type { EventRow } from "@pergola/db/schema";
import { AppError, ErrorCode } from "../errors.js";

/** Rows read from the log at a time, when replaying or catching up. */
export const EVENT_PAGE = 500;

/** Receives a Project's batches of new events, as the feed reads them. */
export interface Subscriber {
  deliver(rows: readonly EventRow[]): void;
}

/**
 * What a stream needs of the EventBus (event-bus.ts), which implements it: the Project's batches
 * (from `attach` to `detach`), and the log to replay and fill gaps from.
 */
export interface EventFeed {
  /** Starts handing `subscriber` the Project's batches; settles once the feed knows where the log ends. */
  attach(projectId: string, subscriber: Subscriber): Promise<void>;
  detach(projectId: string, subscriber: Subscriber): void;
  readProject(projectId: string): Promise<{ seq: bigint; logStart: bigint } | undefined>;
  /** At most EVENT_PAGE events after `after`, in seq order. */
  readPage(projectId: string, after: bigint): Promise<EventRow[]>;
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

/** A stream being listened to. */
export interface Listening {
  close(): void;
}

/** Receives a stream's events, in order, synchronously when they arrive in order. */
export interface EventSink {
  receive(row: EventRow): void;
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

  /** Starts delivering to `sink` until `close()`. */
  listen(sink: EventSink): Listening {
    const listener = new Listener(this.bus, this.projectId, this.accept, sink);
    listener.start(this.after).catch((error: unknown) => listener.fail(error));
    return listener;
  }

  [Symbol.asyncIterator](): AsyncIterator<EventRow> {
    return iterate(this);
  }
}

/**
 * One `listen`: where its consumer is in the log, and whether it reads the log or takes the
 * feed's batches. Its state is fields of one object, not closures: a server holds one per
 * subscription, tens of thousands of them.
 */
class Listener implements Subscriber, Listening {
  private reading = true;
  private closed = false;
  private position = 0n;
  /** The highest seq the feed has delivered: reading ends at or after it. */
  private announced = 0n;
  private readonly ready: Promise<void>;

  constructor(
    private readonly feed: EventFeed,
    private readonly projectId: string,
    private readonly accept: (row: EventRow) => boolean,
    private readonly sink: EventSink,
  ) {
    // Attached at once, so that what is committed while the stream starts is announced to it.
    this.ready = feed.attach(projectId, this);
  }

  deliver(rows: readonly EventRow[]): void {
    if (this.closed || rows.length === 0) return;
    const last = rows[rows.length - 1]!.seq;
    if (last > this.announced) this.announced = last;
    if (this.reading) return;
    for (const row of rows) {
      if (row.seq <= this.position) continue;
      if (row.seq !== this.position + 1n || this.sink.flow?.full()) {
        this.catchUp();
        return;
      }
      this.emit(row);
    }
  }

  async start(after: bigint | null): Promise<void> {
    await this.ready;
    const project = await this.feed.readProject(this.projectId);
    if (!project) throw new AppError(ErrorCode.NOT_FOUND, "Project not found");
    if (after !== null && after < project.logStart) {
      throw new AppError(
        ErrorCode.RESYNC_REQUIRED,
        `cursor ${after} is older than the retained event log (it starts after ${project.logStart}); refetch and subscribe again`,
      );
    }
    if (after !== null && after > project.seq) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `after: cursor ${after} is ahead of the event log`, { field: "after" });
    }
    this.position = after ?? project.seq;
    await this.read();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.detach(this.projectId, this);
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.error(error);
  }

  private emit(row: EventRow): void {
    this.position = row.seq;
    if (this.accept(row)) this.sink.receive(row);
  }

  private async read(): Promise<void> {
    for (;;) {
      await this.sink.flow?.ready();
      if (this.closed) return;
      const page = await this.feed.readPage(this.projectId, this.position);
      if (this.closed) return;
      if (page.length > 0 && page[0]!.seq !== this.position + 1n) throw this.pruned();
      for (const row of page) this.emit(row);
      if (page.length < EVENT_PAGE && this.position >= this.announced) break;
      // Announced, yet not in the log: pruned meanwhile (or the Project is gone).
      if (page.length === 0) throw this.pruned();
    }
    this.reading = false;
  }

  private catchUp(): void {
    this.reading = true;
    this.read().catch((error: unknown) => this.fail(error));
  }

  private pruned(): AppError {
    return new AppError(
      ErrorCode.RESYNC_REQUIRED,
      `the events after cursor ${this.position} are no longer in the retained event log; refetch and subscribe again`,
    );
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
  const listening = stream.listen({
    receive(row) {
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
    listening.close();
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
