/**
 * `createServer(options)` builds the whole API — HTTP (Apollo Server 5 on Express 5),
 * graphql-ws on the same port and path, the event bus — and returns `{ url, close() }`.
 * `index.ts` only reads the environment and calls it; tests start real servers on port 0.
 */
import type { AutoSuspendOptions } from "./stage-policies/auto-suspend.js";
import { LOCAL_OUTPOST } from "@pergola/schema";
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import { isDatabaseUnavailable, isReady, openDatabase, type Database, type OpenDatabaseOptions } from "@pergola/db/client";
import type { ArchiveLimits } from "@pergola/runtime/artifact";
import express from "express";
import type { GraphQLSchema } from "graphql";
import { pino, type Logger } from "pino";
import { checkOperation } from "./auth/operation-gate.js";
import { authenticateRequest, HttpError } from "./auth/http-auth.js";
import type { OutpostSessionsOptions } from "./outposts/outpost-sessions.js";
import type { WebhookSenderOptions } from "./webhooks/webhook-sender.js";
import { ensureAgentToken } from "./auth/token.service.js";
import { ensureAdminToken } from "./auth/bootstrap.js";
import { artifactRoutes } from "./builds/artifact.routes.js";
import { backupRoutes } from "./backups/backup.routes.js";
import { metricsPlugin } from "./metrics/metrics.plugin.js";
import { metricsRoutes } from "./metrics/metrics.routes.js";
import type { ArtifactStoreOptions } from "./builds/artifact-store.js";
import { openArtifactStore } from "./builds/open-artifact-store.js";
import { oidcRoutes } from "./auth/oidc/oidc.routes.js";
import { graphiqlRoutes } from "./graphiql.js";
import { createGateway } from "./links/gateway.js";
import { createContext, type Context } from "./context.js";
import { answerUnavailableWith503, createFormatError, serviceUnavailable, toGraphQLError } from "./graphql/errors.js";
import { createSchema } from "./graphql/schema.js";
import { inputRulesPlugin } from "./graphql/input-rules.js";
import { checkNesting, PARSE_OPTIONS, validationRules } from "./graphql/security.js";
import { costLimitPlugin } from "./graphql/query-cost.js";
import { createDocumentStore } from "./graphql/shared-execution.js";
import { attachWebSocketServer, WS_PATH } from "./graphql/ws.js";
import { withSafeErrors } from "./logger.js";
import { createServices, type Services } from "./services.js";
import { startCompactingUsage } from "./usage/usage-retention.js";

export interface ServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** An open database (the caller closes it), or how to open one (the server closes it). Default: PGlite in memory. */
  database?: Database | OpenDatabaseOptions;
  /** The URL people reach the API at (links are built on it). Default: the URL it listens on. */
  publicUrl?: string;
  /** Makes sure this token exists as a key of the admin user (`adminEmail`). */
  adminToken?: string;
  /** The admin user's email. Default admin@localhost. */
  adminEmail?: string;
  /** Makes sure this token exists as the agent token of the built-in `local` Outpost. */
  localAgentToken?: string;
  /** Default: pino at `info`. */
  logger?: Logger;
  /** Production hides introspection and schema hints. Default false. */
  production?: boolean;
  /** Events kept per Project before older cursors answer RESYNC_REQUIRED. Default 10 000. */
  eventRetention?: number;
  /** Browser origins allowed to open the WebSocket besides the API's own (the dashboard's). */
  allowedOrigins?: string[];
  /** Default 100. */
  maxSubscriptionsPerSocket?: number;
  /**
   * Which peers' `X-Forwarded-For` names the caller (Express "trust proxy": "loopback", a list of
   * addresses or subnets, or false). Default "loopback": the dashboard's server and a load
   * balancer on this host forward the browser's address.
   */
  trustProxy?: string | string[] | boolean;
  /**
   * Bytes a WebSocket may hold that its client has not read before its subscriptions stop sending
   * live events and read the event log at the client's pace; one that falls behind the retained
   * log gets RESYNC_REQUIRED (graphql/ws.ts). Default 4 MiB.
   */
  maxSocketBufferedBytes?: number;
  /** Milliseconds a WebSocket client has to send `connection_init` before it is closed with 4408. Default 5 s. */
  connectionInitWaitTimeout?: number;
  /** Every socket is pinged this often (ms); one that did not answer the previous ping is closed. Default 12 s. */
  socketKeepAlive?: number;
  /** Largest JSON body accepted over HTTP. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where Pergola keeps files (artifacts under `artifacts/`). Default: a new temporary directory. */
  dataDir?: string;
  /**
   * Encrypts secret Configuration values at rest (AES-256-GCM): base64 of 32 bytes. Default:
   * `<dataDir>/secret-key`, made once (0600). Replicas sharing a database need the same key.
   */
  secretKey?: string;
  /**
   * A wildcard domain the host form of links lives under (`apps.example.com`: links
   * `http://web.dev.shop.apps.example.com/`), for a DNS `*.apps.example.com` record pointing at
   * the API (or its balancer). Default: `localhost`, which browsers and curl resolve locally.
   */
  linksDomain?: string;
  /**
   * Where artifacts' bytes are kept (builds/artifact-store.ts). Default: in the database with
   * PostgreSQL (every replica sees them), under `<dataDir>/artifacts` with the embedded one.
   */
  artifactStore?: ArtifactStoreOptions;
  /** Artifacts no Build references are collected once their last upload is this old (ms). Default 24 h. */
  artifactGraceMs?: number;
  /** With it, `/metrics` answers only `Authorization: Bearer <metricsToken>`. Default: open. */
  metricsToken?: string;
  /** Largest artifact upload, bytes. Default 200 MiB. */
  maxArtifactBytes?: number;
  /** Limits on an uploaded archive once inflated. Default @pergola/runtime's DEFAULT_ARCHIVE_LIMITS (1 GiB, 100,000 entries). */
  artifactLimits?: Partial<ArchiveLimits>;
  /** Heartbeat batching and OFFLINE monitor timings (outposts/outpost-sessions.ts). */
  outposts?: OutpostSessionsOptions;
  /** How often Components' usage older than an hour is averaged into minutes, and older than a day deleted (usage/usage-retention.ts), ms. Default 60 s. */
  usageCompactionMs?: number;
  /**
   * How webhook deliveries are sent (webhooks/webhook-sender.ts): each attempt cut off after
   * `timeoutMs` (default 10 s), retried after `backoff` (15 s doubling to 1 h, ±20 %) until
   * `retryForMs` (24 h) after the delivery was made, then FAILED.
   */
  webhooks?: WebhookSenderOptions;
  /** Stage policies' auto-suspend: how often Stages are looked at (default 5 min), how often traffic is written (60 s). */
  autoSuspend?: AutoSuspendOptions;
  /**
   * Single sign-on with an OpenID Connect provider (auth/oidc): register `<publicUrl>/auth/oidc/callback`
   * as the client's redirect URI there. SSO may send browsers back only to `allowedOrigins` and
   * the API's own. Default: none (signInOptions says `sso: false`).
   */
  oidc?: {
    /** The issuer URL (https, or http on localhost/127.0.0.1). */
    issuer: string;
    clientId: string;
    /** Sent with client_secret_basic. */
    clientSecret: string;
  };
}

/** The API's version, from its package.json. */
export const API_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export interface PergolaServer {
  /** `http://host:port` */
  url: string;
  /** `http://host:port/graphql` (and `ws://…/graphql`). */
  graphqlUrl: string;
  wsUrl: string;
  port: number;
  /** The database it runs on (tests read rows from it); resolvers never see it, only `services`. */
  database: Database;
  services: Services;
  schema: GraphQLSchema;
  /** From now on `/readyz` answers 503 ("draining"); everything else is served as before until `close`. */
  drain(): void;
  close(): Promise<void>;
}

export async function createServer(options: ServerOptions = {}): Promise<PergolaServer> {
  const logger = withSafeErrors(options.logger ?? pino({ level: "info" }));
  const production = options.production ?? false;
  const ownsDatabase = !isDatabase(options.database);
  const database = isDatabase(options.database) ? options.database : await openDatabase(options.database ?? {});
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "pergola-")));
  // Replicas share their database, not their disks: with PostgreSQL, artifacts go into it by default.
  const artifactStore = await openArtifactStore(
    options.artifactStore ?? { kind: database.driver === "postgres" ? "postgres" : "disk" },
    database,
    join(dataDir, "artifacts"),
  ).catch(async (error: unknown) => {
    if (ownsDatabase) await database.close();
    throw error;
  });
  const services = createServices(database, logger, {
    eventRetention: options.eventRetention ?? 10_000,
    dataDir,
    artifactStore,
    maxArtifactBytes: options.maxArtifactBytes ?? 200 * 1024 * 1024,
    artifactLimits: options.artifactLimits,
    secretKey: options.secretKey,
    outposts: options.outposts,
    webhooks: options.webhooks,
    autoSuspend: options.autoSuspend,
    oidc: options.oidc,
    allowedOrigins: options.allowedOrigins,
  });
  if (options.adminToken) await ensureAdminToken(database.db, options.adminToken, options.adminEmail);
  if (options.localAgentToken) await ensureAgentToken(database.db, options.localAgentToken, LOCAL_OUTPOST);
  const adopted = await services.artifacts.adoptDiskArtifacts();
  if (adopted > 0) logger.info({ adopted, store: artifactStore.kind }, "artifacts kept in the data dir moved into the artifact store");
  const stopCollecting = services.artifacts.startCollecting(options.artifactGraceMs ?? 24 * 60 * 60 * 1000, logger);
  await services.bus.start();
  await services.outpostAnnouncer.start();
  await services.logFeed.start();
  await services.usageFeed.start();
  const stopCompacting = startCompactingUsage(() => services.usage.compact(), options.usageCompactionMs ?? 60_000, logger);
  services.outpostSessions.start();

  const schema = await createSchema();
  const rules = validationRules({ production });
  const app = express();
  app.disable("x-powered-by");
  // An ETag costs a SHA-1 of every answer; GraphQL POSTs are never revalidated.
  app.set("etag", false);
  // The caller's address (sign-in limits count by it) is X-Forwarded-For's only from these proxies.
  app.set("trust proxy", options.trustProxy ?? "loopback");
  // An idle keep-alive connection is kept 65 s, longer than the clients and proxies that reuse
  // them wait (undici 4 s, browsers ~60 s, a load balancer's idle timeout is usually 60 s): with
  // Node's 5 s, a client could send its next request on a connection the server was just closing
  // ("other side closed", found by the fuzz suite). headersTimeout must stay above it.
  const httpServer = createHttpServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, app);
  const gateway = createGateway(services.links, logger);
  // Links first: a host-form link (`web.dev.shop.localhost`) may use any path, /graphql included.
  app.use((req, res, next) => void gateway.handle(req, res, next));
  const sockets = attachWebSocketServer(httpServer, {
    upgradeOther: gateway.upgrade,
    schema,
    services,
    logger,
    rules,
    production,
    allowedOrigins: options.allowedOrigins ?? [],
    maxSubscriptionsPerSocket: options.maxSubscriptionsPerSocket ?? 100,
    connectionInitWaitTimeout: options.connectionInitWaitTimeout,
    keepAlive: options.socketKeepAlive,
    metrics: services.metrics,
    maxBufferedBytes: options.maxSocketBufferedBytes,
  });

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !production,
    validationRules: rules,
    parseOptions: PARSE_OPTIONS,
    documentStore: createDocumentStore(),
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    // Shutdown belongs to index.ts; Apollo's own handler would re-raise the signal mid-close.
    stopOnTerminationSignals: false,
    formatError: createFormatError({ logger, hideSchemaDetails: production }),
    plugins: [
      // Costs 1.5–1.8x throughput and nothing here uses HTTP caching.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      answerUnavailableWith503,
      {
        // The policy's gate, before any resolver: anonymous callers only sign in, agents only act
        // for their Outpost, read-only keys run no mutation.
        async requestDidStart() {
          return {
            async didResolveOperation({ document, operationName, contextValue }) {
              const refused = checkOperation(contextValue.actor, document, operationName);
              if (refused) throw toGraphQLError(refused, refused.code === "UNAUTHENTICATED" ? 401 : 403);
            },
          };
        },
      },
      inputRulesPlugin(schema),
      costLimitPlugin(schema),
      metricsPlugin(services.metrics),
    ],
  });
  await apollo.start();

  // Anonymous callers learn only that it runs and which version (clients such as `pergola info` show it).
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", version: API_VERSION });
  });
  let draining = false;
  app.get("/readyz", async (_req, res) => {
    // A balancer stops sending new work to a replica that answers 503 here, while what it
    // already sent is still answered (index.ts waits PERGOLA_DRAIN_SECONDS before closing).
    if (draining) return void res.status(503).json({ status: "draining" });
    const ready = await isReady(database.db).catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready" });
  });
  app.use("/metrics", metricsRoutes(services.metrics, logger, options.metricsToken));
  app.use("/graphiql", graphiqlRoutes(WS_PATH));
  app.use("/artifacts", artifactRoutes(services.artifacts, services.tokens, services.projects, logger));
  app.use("/backups", backupRoutes(services.backups, services.artifacts, services.tokens, logger));
  app.use("/auth/oidc", oidcRoutes(services.oidc, logger));
  app.use(
    WS_PATH,
    express.json({ limit: options.maxBodyBytes ?? 1024 * 1024 }),
    refuseDeepNesting,
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          return createContext(services, await authenticateRequest(services.tokens, logger, req), req.ip);
        } catch (error) {
          if (error instanceof HttpError) throw toGraphQLError(error, error.status);
          if (isDatabaseUnavailable(error)) throw toGraphQLError(serviceUnavailable(), 503);
          throw error;
        }
      },
    }),
  );
  app.use(jsonErrors(logger));

  httpServer.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(httpServer, "listening");
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host && options.host !== "0.0.0.0" ? options.host : "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  services.links.baseUrl = options.publicUrl ?? url;
  if (options.linksDomain) services.links.domain = options.linksDomain;
  services.outposts.serverUrl = options.publicUrl ?? url;
  services.oidc.baseUrl = options.publicUrl ?? url;
  // A webhook may not point at the API itself (webhooks/webhook.rules.ts).
  services.webhooks.api = { urls: [url, ...(options.publicUrl ? [options.publicUrl] : [])], linksDomain: options.linksDomain };
  services.webhookSender.start();
  services.autoSuspend.start();
  // A disabled or deleted key, an ended session, a disabled user's credentials, a rotated agent
  // token (here or, through NOTIFY, on another replica) lose their sockets at once.
  services.outpostAnnouncer.onTokenRevoked = (tokenId) => {
    services.tokens.forget(tokenId);
    sockets.closeSocketsOf(tokenId, "Forbidden: token revoked");
  };
  services.outpostAnnouncer.onMembershipEnded = (userId) => sockets.closeSocketsOfUser(userId, "Forbidden: membership changed");
  // Revocations and membership changes announced while LISTEN was down were lost: the open
  // sockets' credentials are checked again, and members' sockets are asked to reconnect (4403 is
  // retried; their subscriptions resume from their cursors, for the Projects they still belong to).
  services.outpostAnnouncer.onResumed = () => {
    const open = sockets.openSockets();
    void services.tokens.recheck(open.tokenIds, open.userIds).then(
      ({ invalid, members }) => {
        for (const tokenId of invalid) {
          services.tokens.forget(tokenId);
          sockets.closeSocketsOf(tokenId, "Forbidden: token revoked");
        }
        for (const userId of members) sockets.closeSocketsOfUser(userId, "Forbidden: membership may have changed");
      },
      (error: unknown) => logger.warn({ err: error }, "could not check the open sockets' credentials after LISTEN came back"),
    );
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    graphqlUrl: `${url}${WS_PATH}`,
    wsUrl: `${url.replace(/^http/, "ws")}${WS_PATH}`,
    port,
    database,
    services,
    schema,
    drain() {
      draining = true;
    },
    close() {
      closing ??= (async () => {
        stopCollecting();
        stopCompacting();
        await services.webhookSender.stop();
        services.autoSuspend.stop();
        await sockets.close();
        await services.outpostSessions.stop();
        await services.outpostAnnouncer.stop();
        await services.logFeed.stop();
        await services.usageFeed.stop();
        gateway.close();
        await apollo.stop();
        await closeHttp(httpServer);
        await services.bus.stop();
        await services.log.drain();
        if (ownsDatabase) await database.close();
      })();
      return closing;
    },
  };
}

function isDatabase(value: ServerOptions["database"]): value is Database {
  return Boolean(value && "db" in value);
}

/** A document nested too deep for the parser's recursion is refused before Apollo parses it. */
const refuseDeepNesting: express.RequestHandler = (req, res, next) => {
  const query: unknown = req.method === "GET" ? req.query.query : req.body?.query;
  const refused = typeof query === "string" ? checkNesting(query) : undefined;
  if (!refused) return next();
  res.status(400).json({ errors: [{ message: refused.message, extensions: { code: "BAD_USER_INPUT" } }] });
};

/** Body-parser and other middleware errors as JSON with their own status, never an HTML 500 page. */
function jsonErrors(logger: Logger): express.ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error }, "the database is unavailable");
      const { code, message } = serviceUnavailable();
      res.status(503).json({ errors: [{ message, extensions: { code } }] });
      return;
    }
    const status = typeof error?.status === "number" && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error }, "unexpected HTTP error");
    res.status(status).json({
      errors: [
        {
          message: status === 500 ? "Internal server error" : String(error.message ?? "Bad request"),
          extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT" },
        },
      ],
    });
  };
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
