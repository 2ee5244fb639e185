#!/usr/bin/env node
/** `pergola-agent`: reads flags and env, starts the agent, stops it on SIGINT/SIGTERM. */
import { Command, Option } from "commander";
import { pino } from "pino";
import { closeOnSignals, startAgent } from "./agent.js";
import { getGraphqlWsUrl } from "./connection.js";
import { readEnv, type Env } from "./env.js";

let env: Env;
try {
  env = readEnv();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}

const program: Command = new Command("pergola-agent")
  .description(
    "The Outpost Agent: dials out to the Pergola API, runs the Outpost's Stages as child processes and reports their status.",
  )
  .addOption(new Option("--server <url>", "the API's URL (env PERGOLA_SERVER)").default(env.PERGOLA_SERVER, "$PERGOLA_SERVER"))
  .addOption(
    new Option("--token <token>", "the Outpost's agent token, from createOutpost (env PERGOLA_AGENT_TOKEN)").default(
      env.PERGOLA_AGENT_TOKEN,
      "$PERGOLA_AGENT_TOKEN",
    ),
  )
  .addOption(
    new Option("--public-url <url>", "where this agent serves the Stages' links (env PERGOLA_PUBLIC_URL)").default(
      env.PERGOLA_PUBLIC_URL,
      "$PERGOLA_PUBLIC_URL",
    ),
  )
  .addOption(
    new Option("--data-dir <dir>", "storage, run dirs and unpacked artifacts").default(
      env.PERGOLA_DATA_DIR,
      "$PERGOLA_DATA_DIR or ./.pergola",
    ),
  )
  .addHelpText(
    "after",
    `
Example:
  pergola-agent --server https://pergola.example.com --token pgl_… --data-dir /var/lib/pergola-agent
  PERGOLA_SERVER=http://127.0.0.1:4000 PERGOLA_AGENT_TOKEN=pgl_… pergola-agent`,
  )
  .showHelpAfterError();

program.parse();
const flags = program.opts<{ server?: string; token?: string; publicUrl?: string; dataDir: string }>();
const server = flags.server ?? fail("--server (or PERGOLA_SERVER) is required");
const token = flags.token ?? fail("--token (or PERGOLA_AGENT_TOKEN) is required");
try {
  getGraphqlWsUrl(server);
  if (flags.publicUrl) new URL(flags.publicUrl);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const logger = pino({ level: env.LOG_LEVEL });
const agent = startAgent({ server, token, publicUrl: flags.publicUrl, dataDir: flags.dataDir, logger });
closeOnSignals(agent, logger);

function fail(message: string): never {
  program.error(`error: ${message}`);
}
