/**
 * graphql-ws on the HTTP server's port and path. The socket gets every rule HTTP has:
 * the token checked in `connection_init` before any operation, the same validation rules and
 * error masking, an `Origin` check on upgrade, a `connection_init` timeout, a maximum message
 * size and a cap on subscriptions per socket. It speaks the protocol only: what an agent's
 * socket opening and closing means to its Outpost is outposts/agent-connections.ts's business.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  type GraphQLSchema,
  Kind,
  type ValidationRule,
} from "graphql";
import { CloseCode, handleProtocols, makeServer } from "graphql-ws";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { isDatabaseUnavailable } from "@pergola/db/client";
import type { Actor } from "../auth/token.service.js";
import { createContext, type Context } from "../context.js";
import type { Services } from "../services.js";
import { checkOperation } from "../auth/operation-gate.js";
import { createFormatError, toGraphQLError } from "./errors.js";
import { checkInputs } from "./input-rules.js";
import { checkCost } from "./query-cost.js";
import { createSharedSubscribe, DocumentCache, groupKey, type SubscriptionTarget } from "./shared-execution.js";
import type { FlowControl } from "../events/event-stream.js";
import type { Logger } from "pino";
import type { Metrics } from "../metrics/metrics.js";

export interface WebSocketOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  rules: readonly ValidationRule[];
  production: boolean;
  /** Browser origins allowed besides the API's own. Requests without `Origin` (non-browsers) pass. */
  allowedOrigins: readonly string[];
  /** Default 100 per socket. */
  maxSubscriptionsPerSocket: number;
  /** Largest accepted message, bytes. Default 64 KiB. */
  maxPayload?: number;
  /** Upgrades that are not the API's (the links gateway's): true when it took the socket. */
  upgradeOther?: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Where sockets, subscriptions and operations are counted. */
  metrics?: Metrics;
  /** Time a client has to send `connection_init`. Default 5 s. */
  connectionInitWaitTimeout?: number;
  /** Every socket is pinged this often (ms); one that did not answer the previous ping is closed. Default 12 s. */
  keepAlive?: number;
  /**
   * Bytes a socket may hold that its client has not taken before its subscriptions stop sending
   * live events and read the event log at the client's pace instead (a replay reads its next
   * page once the socket holds at most a quarter of this). Default 4 MiB.
   */
  maxBufferedBytes?: number;
}

/**
 * One socket, as graphql-ws's protocol (`makeServer`) sees it — its `send`, `close` and
 * `onMessage` — and as the API keeps it: its caller's context once `connection_init` was
 * accepted. One object with methods, not an object of closures, and no upgrade request (whose
 * headers graphql-ws's own binding keeps): a server holds tens of thousands of sockets.
 */
class Connection {
  readonly protocol: string;
  context: Context | undefined = undefined;
  /** graphql-ws's handler of this socket's messages. */
  handle: ((data: string) => Promise<void>) | undefined = undefined;
  /** graphql-ws's end of this socket. */
  closed: ((code?: number, reason?: string) => Promise<void>) | undefined = undefined;
  private corked = false;

  constructor(
    readonly socket: WebSocket,
    /** Its TCP socket, whose "drain" says the client took what was buffered. */
    readonly tcp: Duplex,
    readonly address: string | undefined,
  ) {
    this.protocol = socket.protocol;
  }

  /**
   * An operation's messages (`next`, then `complete`) leave in one TCP write: the socket is
   * corked from the first until the current tick's work is done.
   */
  send(data: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (!this.corked) {
      this.corked = true;
      this.tcp.cork();
      process.nextTick(uncork, this);
    }
    this.socket.send(data);
  }

  uncork(): void {
    this.corked = false;
    this.tcp.uncork();
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
  }
}

export const WS_PATH = "/graphql";

export function attachWebSocketServer(server: Server, options: WebSocketOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 64 * 1024, handleProtocols });
  const documents = new DocumentCache(options.schema, options.rules);
  const targets = new WeakMap<ExecutionArgs, SubscriptionTarget>();
  const formatError = createFormatError({ logger: options.logger, hideSchemaDetails: options.production });
  const sockets = new Map<string, Set<WebSocket>>();
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  /** The same sockets by user, for when a user's membership of a Project ends. */
  const socketsByUser = new Map<string, Set<WebSocket>>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (options.upgradeOther?.(request, socket, head)) return;
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== WS_PATH) return socket.destroy();
    if (!isOriginAllowed(request, options.allowedOrigins)) {
      // A browser page from another origin must not ride on a user's credentials.
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
  server.on("upgrade", onUpgrade);

  const { metrics } = options;
  /** The root field of each live subscription, by its message's payload (what onComplete is given). */
  const subscriptionFields = new WeakMap<object, string>();
  const sharedSubscribe = createSharedSubscribe(
    (args) => targets.get(args),
    (result) => (result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result) as never,
  );
  const protocol = makeServer<{ authToken?: unknown; ticket?: unknown }, Connection>({
    schema: options.schema,
    connectionInitWaitTimeout: options.connectionInitWaitTimeout ?? 5_000,
    context: (ctx) => ctx.extra.context!,
    onConnect: async (ctx) => {
      const token = ctx.connectionParams?.authToken;
      const ticket = ctx.connectionParams?.ticket;
      if ((typeof token !== "string" || token.length === 0) && (typeof ticket !== "string" || ticket.length === 0)) {
        ctx.extra.socket.close(4401, "Unauthorized: send { authToken } or { ticket } in connection_init");
        return false;
      }
      let actor: Actor | null;
      let agent: Awaited<ReturnType<Services["agentConnections"]["connect"]>>;
      try {
        actor =
          typeof token === "string" && token.length > 0
            ? await options.services.tokens.getActor(token)
            : await options.services.tickets.redeemTicket(ticket as string);
        if (!actor) {
          if (typeof token === "string") options.services.agentConnections.rejected(token);
          ctx.extra.socket.close(4403, "Forbidden: unknown or revoked token, or a used or expired ticket");
          return false;
        }
        agent = await options.services.agentConnections.connect(actor, ctx.connectionParams ?? {});
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          // 1013 Try Again Later: graphql-ws clients (the dashboard, the CLI, the agent) reconnect
          // with their back-off, and resume from their cursors once the database is back. 4500
          // would end their retries.
          options.logger.warn({ err: error }, "the database cannot be reached: a socket is asked to come back later");
          ctx.extra.socket.close(1013, "Try again later: the database cannot be reached");
          return false;
        }
        options.logger.error({ err: error }, "token lookup failed");
        ctx.extra.socket.close(CloseCode.InternalServerError, "Internal server error");
        return false;
      }
      ctx.extra.context = createContext(options.services, actor, ctx.extra.address);
      if (agent.refusal) {
        ctx.extra.socket.close(4403, `Forbidden: ${agent.refusal}`);
        return false;
      }
      ctx.extra.context.agentSession = agent.session;
      track(sockets, actor.tokenId, ctx.extra.socket);
      if (actor.userId) track(socketsByUser, actor.userId, ctx.extra.socket);
      return true;
    },
    onSubscribe: (ctx, id, payload) =>
      keepSocket(() => {
        if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(`At most ${options.maxSubscriptionsPerSocket} operations per socket`, {
              extensions: { code: "BAD_USER_INPUT" },
            }),
          ];
        }
        const prepared = documents.prepare(payload.query);
        // graphql-ws keeps the message while the subscription lasts: let it keep the one copy of
        // the text that every socket sending this document shares.
        (payload as { query: string }).query = prepared.query;
        if (prepared.errors.length) return prepared.errors;
        const refused = checkOperation(ctx.extra.context!.actor, prepared.document, payload.operationName);
        if (refused) return [toGraphQLError(refused)];
        const badInput = checkInputs(options.schema, prepared.document, payload.operationName, payload.variables);
        if (badInput) return [toGraphQLError(badInput)];
        const tooCostly = checkCost(options.schema, prepared.document, payload.operationName, payload.variables);
        if (tooCostly) return [toGraphQLError(tooCostly)];
        const args: ExecutionArgs = {
          schema: options.schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: ctx.extra.context,
        };
        if (getOperationAST(prepared.document, payload.operationName)?.operation === "subscription") {
          // One caller's alike subscriptions, not one role's: a payload may hold what only this
          // user may see (Outpost.projects lists the caller's own Projects).
          const { actor } = ctx.extra.context!;
          const key = groupKey(prepared, payload.variables, `${actor.role}:${actor.userId ?? actor.tokenId}`);
          targets.set(args, new SocketTarget(key, id, ctx.extra, maxBufferedBytes));
        }
        return args;
      }),
    execute: async (args) => {
      const started = performance.now();
      let result: ExecutionResult;
      try {
        result = await execute(args);
      } catch (error) {
        result = { errors: [internalError(error)] };
      }
      metrics?.operation(
        getOperationAST(args.document, args.operationName)?.operation ?? "query",
        Boolean(result.errors?.length),
        (performance.now() - started) / 1000,
      );
      return result;
    },
    subscribe: async (args) => {
      const started = performance.now();
      let result: Awaited<ReturnType<typeof sharedSubscribe>>;
      try {
        result = await sharedSubscribe(args);
      } catch (error) {
        result = { errors: [internalError(error)] };
      }
      const failed = !(Symbol.asyncIterator in result) && Boolean((result as ExecutionResult).errors?.length);
      metrics?.operation("subscription", failed, (performance.now() - started) / 1000);
      return result;
    },
    // Live subscriptions by root field: counted from the start of each (onOperation) to its end
    // (onComplete, which graphql-ws calls once for each, however it ends, with the same payload).
    onOperation: (_ctx, _id, payload, args) => {
      const field = metrics && subscriptionField(args.document, args.operationName);
      if (!field) return;
      subscriptionFields.set(payload, field);
      metrics!.subscriptions.inc({ field });
    },
    onComplete: (_ctx, _id, payload) => {
      const field = subscriptionFields.get(payload);
      if (!field) return;
      subscriptionFields.delete(payload);
      metrics!.subscriptions.dec({ field });
    },
    onNext: (_ctx, _id, _payload, _args, result) => {
      if (!result.errors) return;
      return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
  });

  // graphql-ws's own binding for ws (`useServer`) keeps a timer and the upgrade request per
  // socket and a promise per message sent; this one keeps neither: one timer pings every socket,
  // and a socket that did not answer the previous ping is closed.
  const keepAlive = options.keepAlive ?? 12_000;
  const answered = new WeakSet<WebSocket>();
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!answered.delete(ws)) ws.terminate();
      else ws.ping();
    }
  }, keepAlive);
  pinger.unref();
  const connections = new WeakMap<WebSocket, Connection>();
  wss.on("connection", (ws: WebSocket, request: IncomingMessage) => {
    const connection = new Connection(ws, request.socket, request.socket.remoteAddress);
    connections.set(ws, connection);
    metrics?.sockets.inc();
    answered.add(ws);
    ws.on("pong", markAnswered);
    ws.on("error", onSocketError);
    ws.on("message", onSocketMessage);
    ws.once("close", onSocketClose);
    connection.closed = protocol.opened(connection, connection);
  });
  // The sockets' listeners are shared: each finds its socket's Connection.
  function onSocketMessage(this: WebSocket, data: RawData) {
    const connection = connections.get(this);
    connection?.handle?.(String(data)).catch((error: unknown) => {
      options.logger.error({ err: error }, "WebSocket message handling failed");
      this.close(CloseCode.InternalServerError, "Internal server error");
    });
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const connection = connections.get(this);
    if (!connection) return;
    connections.delete(this);
    metrics?.sockets.dec();
    connection
      .closed?.(code, String(reason))
      .catch((error: unknown) => options.logger.error({ err: error }, "WebSocket close handling failed"));
    const actor = connection.context?.actor;
    if (actor) {
      untrack(sockets, actor.tokenId, this);
      if (actor.userId) untrack(socketsByUser, actor.userId, this);
    }
    const session = connection.context?.agentSession;
    if (session) options.services.agentConnections.disconnect(session);
  }
  function markAnswered(this: WebSocket) {
    answered.add(this);
  }
  // A client's frame that breaks the protocol (a message above maxPayload), which ws has already
  // closed with the right code (1009, 1002), or a client gone mid-write, is logged at debug; any
  // other error as an error, closing with 1011.
  function onSocketError(this: WebSocket, error: Error & { code?: string }) {
    if (error.code?.startsWith("WS_ERR_") || error.code === "ECONNRESET" || error.code === "EPIPE") {
      return options.logger.debug({ err: error }, "WebSocket client broke the protocol or went away");
    }
    options.logger.error({ err: error }, "WebSocket error");
    this.close(CloseCode.InternalServerError, "Internal server error");
  }

  return {
    /** Closes every socket of a token (used when it is revoked or rotated). */
    closeSocketsOf(tokenId: string, reason: string) {
      for (const ws of sockets.get(tokenId) ?? []) ws.close(CloseCode.Forbidden, reason);
    },
    /**
     * Closes every socket of a user whose membership of a Project ended: their subscriptions to
     * it must stop. Clients reconnect (4403 is retried) and resume the others from their cursors.
     */
    closeSocketsOfUser(userId: string, reason: string) {
      for (const ws of socketsByUser.get(userId) ?? []) ws.close(CloseCode.Forbidden, reason);
    },
    /** The credentials and users of the open sockets. */
    openSockets(): { tokenIds: string[]; userIds: string[] } {
      return { tokenIds: [...sockets.keys()], userIds: [...socketsByUser.keys()] };
    },
    async close() {
      server.off("upgrade", onUpgrade);
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function uncork(connection: Connection): void {
  connection.uncork();
}

/** Where a grouped subscription's events go: its socket, paced by what the socket still holds. */
class SocketTarget implements SubscriptionTarget {
  readonly flow: FlowControl = this;

  constructor(
    readonly key: string,
    readonly id: string,
    private readonly extra: Connection,
    private readonly maxBufferedBytes: number,
  ) {}

  send(message: string): void {
    const { socket } = this.extra;
    if (socket.readyState === socket.OPEN) socket.send(message);
  }

  full(): boolean {
    return this.extra.socket.bufferedAmount > this.maxBufferedBytes;
  }

  ready(): Promise<void> {
    return drained(this.extra.socket, this.extra.tcp, this.maxBufferedBytes / 4);
  }
}

/**
 * graphql-ws closes the whole socket (4500) when a hook throws. An operation's failure is that
 * operation's error instead; formatError logs it with its stack and masks its message.
 */
function keepSocket<T>(prepare: () => T): T | GraphQLError[] {
  try {
    return prepare();
  } catch (error) {
    return [internalError(error)];
  }
}

function internalError(error: unknown): GraphQLError {
  return new GraphQLError("Internal server error", { originalError: error instanceof Error ? error : new Error(String(error)) });
}

/** Settles once `ws` holds at most `bytes` its client has not taken, or is no longer open. */
async function drained(ws: WebSocket, tcp: Duplex, bytes: number): Promise<void> {
  while (ws.readyState === ws.OPEN && ws.bufferedAmount > bytes) await drainOf(tcp);
}

/** One wait per TCP socket, shared by its subscriptions: its "drain" (its buffer was written out) or its close. */
const drains = new WeakMap<Duplex, Promise<void>>();

function drainOf(tcp: Duplex): Promise<void> {
  let drain = drains.get(tcp);
  if (!drain) {
    drain = new Promise<void>((resolve) => {
      const done = () => {
        tcp.off("drain", done);
        tcp.off("close", done);
        drains.delete(tcp);
        resolve();
      };
      tcp.on("drain", done);
      tcp.on("close", done);
    });
    drains.set(tcp, drain);
  }
  return drain;
}

function track(sockets: Map<string, Set<WebSocket>>, key: string, ws: WebSocket) {
  let set = sockets.get(key);
  if (!set) {
    set = new Set();
    sockets.set(key, set);
  }
  set.add(ws);
}

function untrack(sockets: Map<string, Set<WebSocket>>, key: string, ws: WebSocket) {
  const set = sockets.get(key);
  if (!set?.delete(ws)) return;
  if (set.size === 0) sockets.delete(key);
}

/** A subscription's root field (the first), or null for any other operation. */
function subscriptionField(document: DocumentNode, operationName: string | null | undefined): string | null {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== "subscription") return null;
  const first = operation.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : null;
}

function isOriginAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.host === request.headers.host) return true;
  return allowed.some((a) => {
    try {
      return new URL(a).origin === parsed.origin;
    } catch {
      return false;
    }
  });
}
