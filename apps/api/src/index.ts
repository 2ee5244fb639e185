/** `node dist/index.js`: reads the environment, opens the database, listens. Nothing else. */
import { resolve } from "node:path";
import { DataDirLockedError, openDatabase } from "@pergola/db/client";
import { pino } from "pino";
import { artifactStoreOf, loadEnvFile, readEnv } from "./env.js";

const envFile = loadEnvFile();
const env = readEnv();
const logger = pino({ level: env.LOG_LEVEL });
if (envFile) logger.info({ file: envFile }, "environment read from a file too (the environment's own values win)");
const dataDir = resolve(env.PERGOLA_DATA_DIR);
// The API's modules, most of a start's time (bench coldstart), load while the database opens:
// connecting and PGlite's files are waits this process would otherwise spend idle.
const modules = Promise.all([import("./server.js"), import("./auth/bootstrap.js")]);
// Awaited below; this only keeps a failed import from being reported before a failed open.
modules.catch(() => undefined);

try {
  const database = await openDatabase({
    url: env.DATABASE_URL,
    listenUrl: env.DATABASE_LISTEN_URL,
    dataDir,
    poolSize: env.DATABASE_POOL_SIZE,
    onConnectionError: (message, error) => logger.warn({ err: error }, message),
  });
  const [{ createServer }, { bootstrapAdmin }] = await modules;
  const bootstrap = await bootstrapAdmin(database.db, dataDir, { email: env.PERGOLA_ADMIN_EMAIL, presetToken: env.PERGOLA_ADMIN_TOKEN });
  const admin = bootstrap.token;
  const server = await createServer({
    port: env.PORT,
    host: env.HOST,
    dataDir,
    localAgentToken: env.PERGOLA_LOCAL_AGENT_TOKEN,
    adminEmail: env.PERGOLA_ADMIN_EMAIL,
    trustProxy: env.PERGOLA_TRUST_PROXY,
    publicUrl: env.PERGOLA_PUBLIC_URL,
    linksDomain: env.PERGOLA_LINKS_DOMAIN,
    metricsToken: env.PERGOLA_METRICS_TOKEN,
    maxArtifactBytes: env.PERGOLA_MAX_ARTIFACT_BYTES ?? env.PERGOLA_MAX_ARTIFACT_MB * 1024 * 1024,
    artifactStore: artifactStoreOf(env),
    artifactGraceMs: env.PERGOLA_ARTIFACT_GRACE_HOURS * 60 * 60 * 1000,
    artifactLimits: { maxInflatedBytes: env.PERGOLA_MAX_ARTIFACT_INFLATED_MB * 1024 * 1024, maxEntries: env.PERGOLA_MAX_ARTIFACT_ENTRIES },
    secretKey: env.PERGOLA_SECRET_KEY,
    database,
    logger,
    production: env.NODE_ENV === "production",
    oidc:
      env.PERGOLA_OIDC_ISSUER && env.PERGOLA_OIDC_CLIENT_ID && env.PERGOLA_OIDC_CLIENT_SECRET
        ? { issuer: env.PERGOLA_OIDC_ISSUER, clientId: env.PERGOLA_OIDC_CLIENT_ID, clientSecret: env.PERGOLA_OIDC_CLIENT_SECRET }
        : undefined,
    allowedOrigins: [
      env.PERGOLA_PUBLIC_URL,
      ...env.PERGOLA_ALLOWED_ORIGINS,
      `http://localhost:${env.DASHBOARD_PORT}`,
      `http://127.0.0.1:${env.DASHBOARD_PORT}`,
    ].filter((o): o is string => Boolean(o)),
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.drain();
    if (env.PERGOLA_DRAIN_SECONDS > 0) {
      logger.info({ signal, seconds: env.PERGOLA_DRAIN_SECONDS }, "draining: /readyz answers 503, requests are still served");
      await new Promise((resolve) => setTimeout(resolve, env.PERGOLA_DRAIN_SECONDS * 1000));
    }
    logger.info({ signal }, "shutting down");
    await server.close();
    await database.close();
    process.exit(0);
  };
  // `on`, not `once`: proper-lockfile's signal-exit re-raises a signal nobody else listens to.
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  const publicUrl = env.PERGOLA_PUBLIC_URL ?? server.url;
  const lines = [
    "",
    `  Pergola API   ${publicUrl}/graphql   (${database.driver === "pglite" ? `embedded database in ${dataDir}/data` : "PostgreSQL"})`,
    `  GraphiQL      ${publicUrl}/graphiql`,
    `  Health        ${publicUrl}/healthz  ${publicUrl}/readyz`,
  ];
  if (server.services.oidc.enabled)
    lines.push(`  SSO           ${env.PERGOLA_OIDC_ISSUER}   (redirect URI ${server.services.oidc.redirectUri})`);
  if (bootstrap.password) {
    lines.push(
      "",
      `  Admin user ${bootstrap.email}, one-time password (shown once; also in ${bootstrap.passwordFile}, readable by you only;`,
      "  change it with updateUser):",
      `    ${bootstrap.password}`,
    );
  } else {
    lines.push("", `  Admin user    ${bootstrap.email}`);
  }
  if (admin.source === "created") {
    lines.push(
      "",
      `  Admin token (shown once; also saved to ${admin.file}, readable by you only):`,
      `    ${admin.token}`,
      "",
      `  Try it:  curl -s ${publicUrl}/graphql -H 'Authorization: Bearer ${admin.token}' \\`,
      `             -H 'Content-Type: application/json' -d '{"query":"{ me { name email role } }"}'`,
    );
  } else if (admin.source === "preset") {
    lines.push("", "  Admin token   from PERGOLA_ADMIN_TOKEN");
  } else {
    lines.push("", `  Admin token   in ${admin.file}`);
  }
  console.log(`${lines.join("\n")}\n`);
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(1);
  }
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    // One line saying which variable picks another port, not a stack.
    console.error(`Port ${env.PORT} on ${env.HOST} is already in use: set PORT to pick another (e.g. PORT=4001 npm start).`);
    process.exit(1);
  }
  throw error;
}
