/**
 * Subscriptions are the hot path. Stock graphql-ws parses, validates and executes every
 * subscription once per subscriber. Here:
 *  - each distinct document is parsed and validated once (`prepare`, an LRU-ish cache);
 *  - each event is executed once per group of alike subscriptions — same document, same
 *    variables apart from `after`, same caller (ws.ts) — and serialized once; every member's socket
 *    gets the same bytes, framed with its operation id. The event bus hands every subscriber
 *    the same row object, so the cache lives on that row (a WeakMap) and dies with it;
 *  - delivery is a plain callback from the event stream to the socket: no async iterator,
 *    no promise per subscriber per event in the usual (in-order, synchronous) case.
 * This relies on a contract of the Subscription resolvers (events/event.resolver.ts): a
 * payload's fields depend on the event row and the caller alone, and `after` only picks where the
 * stream starts.
 */
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  parse,
  print,
  validate,
  visit,
  type ValidationRule,
  specifiedRules,
} from "graphql";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import { Repeater } from "@repeaterjs/repeater";
import type { EventSink, FlowControl, Listening } from "../events/event-stream.js";
import { checkNesting, PARSE_OPTIONS } from "./security.js";

export interface PreparedDocument {
  /** The document's text (one string for every socket that sends it). */
  query: string;
  document: DocumentNode;
  errors: readonly GraphQLError[];
  /**
   * The document without its `after` arguments, as a number: the part of the group key it gives.
   * Documents that differ only in `after` share it; a number is never given to another shape.
   */
  groupDocument: number;
  /** Variables passed to `after`: left out of the group key. */
  cursorVariables: ReadonlySet<string>;
}

/**
 * What parsed documents may hold on to, per cache. A parsed document costs ~85 bytes of heap per
 * character of its text (measured: a 26 KB query parses to 2.2 MB), so the caches are bounded by
 * text, not by count alone: a client sending many big distinct documents (a fuzzer, an attacker)
 * cannot grow the process. An application's own documents are a few KB each and fit many times.
 */
export const DOCUMENT_CACHE_LIMITS = {
  documents: 500,
  /** ≈ 8 MB of parsed documents: some 50–100 of an application's own. */
  characters: 96 * 1024,
  /** A bigger document is parsed each time it comes: no client of ours sends one. */
  documentCharacters: 16 * 1024,
} as const;

/**
 * Apollo's cache of parsed and validated documents (HTTP), bounded as ours: its default holds
 * 30 MiB of documents measured as JSON — about 120 MB of heap — and serializes each new one to
 * measure it.
 */
export function createDocumentStore(): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({
    maxSize: DOCUMENT_CACHE_LIMITS.characters,
    maxEntrySize: DOCUMENT_CACHE_LIMITS.documentCharacters,
    // Parsed with locations: `loc.end` is the length of the document's text.
    sizeCalculation: (document) => Math.max(1, document.loc?.end ?? DOCUMENT_CACHE_LIMITS.documentCharacters),
  });
}

export class DocumentCache {
  private readonly cache = new Map<string, PreparedDocument>();
  /** Characters of the cached documents' text. */
  private characters = 0;
  /** The number of each document shape (printed without `after`), for group keys. */
  private readonly shapes = new Map<string, number>();
  private nextShape = 1;
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    extraRules: readonly ValidationRule[],
  ) {
    this.rules = [...specifiedRules, ...extraRules];
  }

  prepare(query: string): PreparedDocument {
    const cached = this.cache.get(query);
    if (cached) return cached;
    let prepared: PreparedDocument;
    try {
      const tooDeep = checkNesting(query);
      if (tooDeep) throw tooDeep;
      const document = parse(query, PARSE_OPTIONS);
      const errors = validate(this.schema, document, this.rules);
      const { shape, cursorVariables } = groupShape(document);
      prepared = { query, document, errors, groupDocument: this.shapeNumber(shape), cursorVariables };
    } catch (error) {
      prepared = {
        query,
        document: { kind: Kind.DOCUMENT, definitions: [] },
        errors: [error instanceof GraphQLError ? error : new GraphQLError("Internal server error", { originalError: error as Error })],
        groupDocument: 0,
        cursorVariables: new Set(),
      };
    }
    if (query.length > DOCUMENT_CACHE_LIMITS.documentCharacters) return prepared;
    // Oldest first out, until the new one fits both limits.
    while (
      this.cache.size > 0 &&
      (this.cache.size >= DOCUMENT_CACHE_LIMITS.documents || this.characters + query.length > DOCUMENT_CACHE_LIMITS.characters)
    ) {
      const oldest = this.cache.keys().next().value!;
      this.cache.delete(oldest);
      this.characters -= oldest.length;
    }
    this.cache.set(query, prepared);
    this.characters += query.length;
    return prepared;
  }

  private shapeNumber(shape: string): number {
    let number = this.shapes.get(shape);
    if (number === undefined) {
      // Bounded like the documents: forgetting shapes only gives later subscriptions new numbers.
      if (this.shapes.size >= DOCUMENT_CACHE_LIMITS.documents * 2) this.shapes.clear();
      number = this.nextShape++;
      this.shapes.set(shape, number);
    }
    return number;
  }
}

function groupShape(document: DocumentNode): { shape: string; cursorVariables: Set<string> } {
  const cursorVariables = new Set<string>();
  const stripped = visit(document, {
    Argument(node) {
      if (node.name.value !== "after") return undefined;
      if (node.value.kind === Kind.VARIABLE) cursorVariables.add(node.value.name.value);
      return null;
    },
  });
  return { shape: print(stripped), cursorVariables };
}

export function groupKey(prepared: PreparedDocument, variables: Record<string, unknown> | null | undefined, scope: string): string {
  const shared: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (!prepared.cursorVariables.has(name)) shared[name] = value;
  }
  return `${scope}\u0000${prepared.groupDocument}\u0000${JSON.stringify(shared)}`;
}

/**
 * A source that can push events to a callback (events/event-stream.ts `EventStream`): the fast
 * path. Any other AsyncIterable source takes the generic path.
 */
export interface ListenableSource {
  listen(sink: EventSinkLike): Listening;
}

/** An EventSink (events/event-stream.ts) of any event. */
type EventSinkLike = Omit<EventSink, "receive"> & { receive(event: object): void };

function isListenable(source: unknown): source is ListenableSource {
  return typeof (source as Partial<ListenableSource>)?.listen === "function";
}

/** Where a grouped subscription's messages go: its operation id and socket. */
export interface SubscriptionTarget {
  key: string;
  id: string;
  send(message: string): void;
  /** How much the socket holds that its client has not taken: the source paces itself by it. */
  flow?: FlowControl;
}

type Formatter = (result: ExecutionResult) => ExecutionResult;

/** Per event row, per group key: the payload as executed and serialized once. */
const payloadsByEvent = new WeakMap<object, Map<string, string | Promise<string>>>();

function sharedPayload(args: ExecutionArgs, key: string, event: object, format: Formatter): string | Promise<string> {
  let payloads = payloadsByEvent.get(event);
  if (!payloads) {
    payloads = new Map();
    payloadsByEvent.set(event, payloads);
  }
  let payload = payloads.get(key);
  if (payload === undefined) {
    const result = execute({ ...args, rootValue: event });
    payload = isPromise(result) ? result.then((r) => JSON.stringify(format(r))) : JSON.stringify(format(result as ExecutionResult));
    payloads.set(key, payload);
  }
  return payload;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === "function";
}

/**
 * graphql-ws's `subscribe`. The source stream is per subscriber (its own cursor). For a
 * grouped subscription on a listenable source, each event is executed and serialized once per
 * group and the same bytes are written to every member's socket, framed with its id; what is
 * returned to graphql-ws then only carries the end (or an error) of the stream. Anything else
 * runs the usual way, one execution per event.
 */
export function createSharedSubscribe(targetOf: (args: ExecutionArgs) => SubscriptionTarget | undefined, format: Formatter) {
  return async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const target = targetOf(args);
    if (target && isListenable(source)) return new FanOut(args, source, target, format);
    const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    return new Repeater<ExecutionResult>(async (push, stop) => {
      // Returning the source resolves its pending `next()` as done, which ends the loop.
      // (Racing each `next()` against `stop` would leave one reaction per event on `stop`,
      // keeping every delivered event reachable for the life of the subscription.)
      void stop.then(() => iterator.return?.());
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        await push((await execute({ ...args, rootValue: step.value })) as ExecutionResult);
      }
      stop();
    });
  };
}

/** Sends of one subscription that may wait on executions before its source reads the log instead. */
const MAX_WAITING_SENDS = 1_000;

const DONE: IteratorResult<ExecutionResult> = { done: true, value: undefined };

/**
 * A grouped subscription: the sink of its source, which writes each event's shared payload to
 * its socket, and what graphql-ws iterates — which yields nothing and ends when the source ends
 * (or fails with its error), or when graphql-ws returns it (the client's `complete`, the socket's
 * close). One object per subscription, not a Repeater and a set of closures: a server holds tens
 * of thousands.
 */
class FanOut implements EventSinkLike, AsyncIterableIterator<ExecutionResult> {
  readonly flow: FlowControl | undefined;
  /** Sends waiting on an execution (only when one is asynchronous): they keep later events waiting, so order holds. */
  private waiting = 0;
  private chain: Promise<void> | undefined;
  private readonly prefix: string;
  private readonly listening: Listening;
  private ended: IteratorResult<ExecutionResult> | { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly args: ExecutionArgs,
    source: ListenableSource,
    private readonly target: SubscriptionTarget,
    private readonly format: Formatter,
  ) {
    this.prefix = `{"id":${JSON.stringify(target.id)},"type":"next","payload":`;
    this.flow = target.flow ? this : undefined;
    this.listening = source.listen(this);
  }

  receive(event: object): void {
    if (this.ended) return;
    const payload = sharedPayload(this.args, this.target.key, event, this.format);
    if (this.waiting === 0 && typeof payload === "string") {
      this.target.send(`${this.prefix + payload}}`);
      return;
    }
    this.waiting++;
    this.chain = (this.chain ?? Promise.resolve())
      .then(() => payload)
      .then((json) => this.target.send(`${this.prefix + json}}`))
      .catch((error: unknown) => this.error(error))
      .finally(() => this.waiting--);
  }

  error(error: unknown): void {
    this.finish({ error });
  }

  full(): boolean {
    // Sends still waiting on an execution are held too.
    return this.waiting > MAX_WAITING_SENDS || this.target.flow!.full();
  }

  ready(): Promise<void> {
    return (this.chain ?? Promise.resolve()).then(() => this.target.flow!.ready());
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish(DONE);
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.finish({ error });
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Settles when the subscription ends: nothing is yielded through graphql-ws, the source writes to the socket. */
  async next(): Promise<IteratorResult<ExecutionResult>> {
    while (!this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    if ("error" in this.ended) throw this.ended.error;
    return this.ended;
  }

  private finish(ended: IteratorResult<ExecutionResult> | { error: unknown }): void {
    if (this.ended) return;
    this.ended = ended;
    this.listening.close();
    this.wake?.();
  }
}
