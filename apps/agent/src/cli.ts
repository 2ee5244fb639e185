#!/usr/bin/env node
/** `pergola-agent`: reads flags and env, starts the agent, stops it on SIGINT/SIGTERM. */
import { Command, Option } from "commander";
import { pino } from "pino";
import { readFileSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { closeOnSignals, startAgent, type Agent } from "./agent.js";
import { parseDuration } from "@pergola/schema/time";
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
  .description("The Outpost Agent: dials out to the Pergola API, runs the Outpost's Stages as child processes and reports their status.")
  .addOption(new Option("--server <url>", "the API's URL (env PERGOLA_SERVER)").default(env.PERGOLA_SERVER, "$PERGOLA_SERVER"))
  .addOption(
    new Option(
      "--token-file <path>",
      "a file (mode 0600) holding the Outpost's agent token, from createOutpost (env PERGOLA_AGENT_TOKEN_FILE)",
    ).default(env.PERGOLA_AGENT_TOKEN_FILE, "$PERGOLA_AGENT_TOKEN_FILE"),
  )
  .addOption(
    new Option(
      "--token <token>",
      "deprecated: every user of this machine can read a command line; use --token-file or env PERGOLA_AGENT_TOKEN",
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
  .addOption(
    new Option(
      "--rollout-timeout <duration>",
      "how long a new Release starting beside the running one has to get every service running and healthy before it fails and the running one goes on (env PERGOLA_ROLLOUT_TIMEOUT)",
    ).default(env.PERGOLA_ROLLOUT_TIMEOUT, "$PERGOLA_ROLLOUT_TIMEOUT or 5m"),
  )
  .addOption(
    new Option(
      "--allow-same-user",
      "when not root: run the Components as this agent's own user (they can then read the agent's token and data, and each other's)",
    ),
  )
  .addHelpText(
    "after",
    `
As root (recommended) each Stage's Components run as a system user of their own
(pergola-s-<hash of the Stage's id>, made with useradd), with a private working directory and
storage; they can read neither the agent's token nor another Stage's data.

Example:
  install -m 600 /dev/null /etc/pergola-agent.token && echo 'pgl_…' > /etc/pergola-agent.token
  pergola-agent --server https://pergola.example.com --token-file /etc/pergola-agent.token --data-dir /var/lib/pergola-agent
  PERGOLA_SERVER=http://127.0.0.1:4000 PERGOLA_AGENT_TOKEN=pgl_… pergola-agent`,
  )
  .showHelpAfterError();

program.parse();
const flags = program.opts<{
  server?: string;
  token?: string;
  tokenFile?: string;
  publicUrl?: string;
  dataDir: string;
  allowSameUser?: boolean;
  rolloutTimeout: string;
}>();
const server = flags.server ?? fail("--server (or PERGOLA_SERVER) is required");
const token = readToken();
try {
  getGraphqlWsUrl(server);
  if (flags.publicUrl) new URL(flags.publicUrl);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const logger = pino({ level: env.LOG_LEVEL });
if (flags.token !== undefined) {
  logger.warn(
    "--token puts the token on this agent's command line, which every user of this machine can read (ps, /proc/<pid>/cmdline): use --token-file or PERGOLA_AGENT_TOKEN",
  );
}
const runAs = chooseRunAs();
const rolloutTimeoutMs =
  parseDuration(flags.rolloutTimeout) ?? fail(`--rollout-timeout: "${flags.rolloutTimeout}" is not a duration (such as 90s or 5m)`);
let agent: Agent;
try {
  const artifactLimits = {
    maxInflatedBytes: env.PERGOLA_MAX_ARTIFACT_INFLATED_MB * 1024 * 1024,
    maxEntries: env.PERGOLA_MAX_ARTIFACT_ENTRIES,
  };
  agent = startAgent({
    server,
    token,
    publicUrl: flags.publicUrl,
    dataDir: flags.dataDir,
    logger,
    runtime: { runAs, rolloutTimeoutMs },
    artifactLimits,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
closeOnSignals(agent, logger);

/** The token from --token-file, --token (deprecated), PERGOLA_AGENT_TOKEN_FILE or PERGOLA_AGENT_TOKEN, in that order. */
function readToken(): string {
  if (flags.tokenFile !== undefined) return readTokenFile(flags.tokenFile);
  if (flags.token !== undefined) return flags.token;
  if (env.PERGOLA_AGENT_TOKEN) return env.PERGOLA_AGENT_TOKEN;
  return fail("--token-file (or PERGOLA_AGENT_TOKEN_FILE, or PERGOLA_AGENT_TOKEN) is required");
}

/** Like ssh with a private key: a token file that others may read or change is refused. */
function readTokenFile(file: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode & 0o777;
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    return fail(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (mode & 0o077)
    return fail(`the token file ${file} is open to other users (mode ${mode.toString(8).padStart(4, "0")}): run "chmod 600 ${file}"`);
  if (!text) return fail(`the token file ${file} is empty`);
  return text;
}

/**
 * As root: a user per Stage. Otherwise the agent cannot switch users, and Components would run
 * as the agent itself — able to read its token (/proc/<agent pid>/environ, its files) and every
 * other Stage's data — so it refuses unless told that this is acceptable.
 */
function chooseRunAs(): "stage-user" | "self" {
  if (process.getuid?.() === 0) {
    logger.info("running as root: each Stage's Components run as a user of their own (pergola-s-…)");
    return "stage-user";
  }
  let me = `uid ${process.getuid?.()}`;
  try {
    me = `${userInfo().username} (${me})`;
  } catch {
    // A uid without a passwd entry: its number says it.
  }
  if (!flags.allowSameUser) {
    fail(
      `pergola-agent runs as ${me}, not as root, so it cannot give each Stage a user of its own: every Component would run as ${me} ` +
        `and could read this agent's token and data, and every other Stage's. Run it as root, or pass --allow-same-user to accept that ` +
        `(development, or a machine whose Stages all belong to one tenant).`,
    );
  }
  logger.warn(
    `--allow-same-user: Components run as this agent's own user ${me}; they are not isolated from the agent (its token, its data) nor from each other`,
  );
  return "self";
}

function fail(message: string): never {
  program.error(`error: ${message}`);
}
