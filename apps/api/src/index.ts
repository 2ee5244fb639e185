/** `node dist/index.js`: reads the environment, opens the database, listens. Nothing else. */
import { resolve } from "node:path";
import { DataDirLockedError, openDatabase } from "@pergola/db/client";
import { pino } from "pino";
import { bootstrapAdminToken } from "./auth/bootstrap.js";
import { readEnv } from "./env.js";
import { createServer } from "./server.js";

const env = readEnv();
const logger = pino({ level: env.LOG_LEVEL });
const dataDir = resolve(env.PERGOLA_DATA_DIR);

try {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir });
  const admin = await bootstrapAdminToken(database.db, dataDir, env.PERGOLA_ADMIN_TOKEN);
  const server = await createServer({
    port: env.PORT,
    host: env.HOST,
    database,
    logger,
    production: env.NODE_ENV === "production",
    allowedOrigins: [env.PERGOLA_PUBLIC_URL, `http://localhost:${env.DASHBOARD_PORT}`, `http://127.0.0.1:${env.DASHBOARD_PORT}`].filter(
      (o): o is string => Boolean(o),
    ),
  });
  const publicUrl = env.PERGOLA_PUBLIC_URL ?? server.url;
  const lines = [
    "",
    `  Pergola API   ${publicUrl}/graphql   (${database.driver === "pglite" ? `embedded database in ${dataDir}/data` : "PostgreSQL"})`,
    `  GraphiQL      ${publicUrl}/graphiql`,
    `  Health        ${publicUrl}/healthz  ${publicUrl}/readyz`,
  ];
  if (admin.source === "created") {
    lines.push(
      "",
      `  Admin token (shown once; also saved to ${admin.file}, readable by you only):`,
      `    ${admin.token}`,
      "",
      `  Try it:  curl -s ${publicUrl}/graphql -H 'Authorization: Bearer ${admin.token}' \\`,
      `             -H 'Content-Type: application/json' -d '{"query":"{ me { name role } }"}'`,
    );
  } else if (admin.source === "preset") {
    lines.push("", "  Admin token   from PERGOLA_ADMIN_TOKEN");
  } else {
    lines.push("", `  Admin token   in ${admin.file}`);
  }
  console.log(lines.join("\n") + "\n");

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await server.close();
    await database.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
} catch (error) {
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
