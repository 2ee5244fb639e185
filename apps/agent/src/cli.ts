#!/usr/bin/env node
/** `pergola-agent`: reads flags and env, starts the agent, stops it on SIGINT/SIGTERM. */
import { userInfo } from "node:os";
import { parseDuration } from "@pergola/schema/time";
import { pino } from "pino";
import { closeOnSignals, startAgent, type Agent } from "./agent.js";
import { createProgram, type Flags } from "./cli-program.js";
import { getGraphqlWsUrl } from "./connection.js";
import { readEnv, type Env } from "./env.js";
import { readToken, TokenError } from "./token.js";

let env: Env;
try {
  env = readEnv();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}

// Every mistake in flags, env or the token file exits 2 (commander's own too); --help and --version exit 0.
const program = createProgram(env).exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
program.parse();
const flags = program.opts<Flags>();
const server = flags.server ?? fail("--server (or PERGOLA_SERVER) is required");
let token: string;
try {
  token = readToken({
    tokenFileFlag: flags.tokenFile,
    tokenFlag: flags.token,
    tokenFileEnv: env.PERGOLA_AGENT_TOKEN_FILE,
    tokenEnv: env.PERGOLA_AGENT_TOKEN,
  });
} catch (error) {
  if (!(error instanceof TokenError)) throw error;
  fail(error.message);
}
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
    gatewayListen: flags.linksListen,
    health: flags.healthPort === undefined ? undefined : { host: flags.healthHost, port: flags.healthPort },
    dataDir: flags.dataDir,
    logger,
    runtime: { runAs, rolloutTimeoutMs },
    artifactLimits,
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
closeOnSignals(agent, logger);

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

/** One line on stderr, no stack, no help text, exit code 2: systemd's journal shows the line as it is. */
function fail(message: string): never {
  process.stderr.write(`pergola-agent: error: ${message}\n`);
  process.exit(2);
}
