/**
 * Subscriptions are the hot path. Stock graphql-ws parses, validates and executes every
 * subscription once per subscriber. Here:
 *  - each distinct document is parsed and validated once (`prepare`, an LRU-ish cache);
 *  - each event is executed once per group of alike subscriptions — same document, same
 *    variables apart from `after`, same role — and every member receives the same result
 *    object. The event bus hands every subscriber the same row object, so the cache lives on
 *    that row (a WeakMap) and dies with it.
 * This relies on a contract of the Subscription resolvers (events/event.resolver.ts): a
 * payload's fields depend on the event row alone, and `after` only picks where the stream starts.
 */
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  parse,
  print,
  validate,
  visit,
  type ValidationRule,
  specifiedRules,
} from "graphql";
import { Repeater } from "@repeaterjs/repeater";

export interface PreparedDocument {
  document: DocumentNode;
  errors: readonly GraphQLError[];
  /** The document printed without `after` arguments: the part of the group key it gives. */
  groupDocument: string;
  /** Variables passed to `after`: left out of the group key. */
  cursorVariables: ReadonlySet<string>;
}

const MAX_CACHED_DOCUMENTS = 500;

export class DocumentCache {
  private readonly cache = new Map<string, PreparedDocument>();
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
      const document = parse(query, { maxTokens: 2000 });
      const errors = validate(this.schema, document, this.rules);
      prepared = { document, errors, ...groupShape(document) };
    } catch (error) {
      prepared = { document: { kind: Kind.DOCUMENT, definitions: [] }, errors: [error as GraphQLError], groupDocument: "", cursorVariables: new Set() };
    }
    if (this.cache.size >= MAX_CACHED_DOCUMENTS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(query, prepared);
    return prepared;
  }
}

function groupShape(document: DocumentNode): Pick<PreparedDocument, "groupDocument" | "cursorVariables"> {
  const cursorVariables = new Set<string>();
  const stripped = visit(document, {
    Argument(node) {
      if (node.name.value !== "after") return undefined;
      if (node.value.kind === Kind.VARIABLE) cursorVariables.add(node.value.name.value);
      return null;
    },
  });
  return { groupDocument: print(stripped), cursorVariables };
}

export function groupKey(prepared: PreparedDocument, variables: Record<string, unknown> | null | undefined, scope: string): string {
  const shared: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (!prepared.cursorVariables.has(name)) shared[name] = value;
  }
  return `${scope}\u0000${prepared.groupDocument}\u0000${JSON.stringify(shared)}`;
}

type Results = Map<string, Promise<ExecutionResult> | ExecutionResult>;
const resultsByEvent = new WeakMap<object, Results>();

/**
 * graphql-ws's `subscribe`: the source stream per subscriber (its own cursor), the execution
 * per event shared by its group. `groupOf(args)` returns the key computed in `onSubscribe`.
 */
export function createSharedSubscribe(groupOf: (args: ExecutionArgs) => string | undefined) {
  return async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const key = groupOf(args);
    const executeFor = (event: unknown): Promise<ExecutionResult> | ExecutionResult => {
      if (key === undefined || typeof event !== "object" || event === null) return execute({ ...args, rootValue: event }) as ExecutionResult;
      let results = resultsByEvent.get(event);
      if (!results) resultsByEvent.set(event, (results = new Map()));
      let result = results.get(key);
      if (!result) results.set(key, (result = execute({ ...args, rootValue: event }) as Promise<ExecutionResult>));
      return result;
    };
    const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    return new Repeater<ExecutionResult>(async (push, stop) => {
      // Returning the source resolves its pending `next()` as done, which ends the loop.
      // (Racing each `next()` against `stop` would leave one reaction per event on `stop`,
      // keeping every delivered event reachable for the life of the subscription.)
      void stop.then(() => iterator.return?.());
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        await push(await executeFor(step.value));
      }
      stop();
    });
  };
}
