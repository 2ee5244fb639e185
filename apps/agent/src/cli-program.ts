/**
 * The `pergola-agent` command line: its flags, their env and defaults. Apart from cli.ts, which
 * runs it, so that a test can parse a command line (deploy/pergola-agent.service's ExecStart)
 * exactly as the agent would, without starting one.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Env } from "./env.js";
import { VERSION } from "./version.js";

export interface Flags {
  server?: string;
  token?: string;
  tokenFile?: string;
  publicUrl?: string;
  linksListen?: { host: string; port: number };
  healthPort?: number;
  healthHost: string;
  dataDir: string;
  allowSameUser?: boolean;
  rolloutTimeout: string;
}

export function createProgram(env: Env): Command {
  return new Command("pergola-agent")
    .description("The Outpost Agent: dials out to the Pergola API, runs the Outpost's Stages as child processes and reports their status.")
    .version(VERSION, "-V, --version", "print the version and exit")
    .addOption(new Option("--server <url>", "the API's URL (env PERGOLA_SERVER)").default(env.PERGOLA_SERVER, "$PERGOLA_SERVER"))
    .addOption(
      new Option(
        "--token-file <path>",
        "a file (mode 0600) holding the Outpost's agent token, from createOutpost (env PERGOLA_AGENT_TOKEN_FILE); or the token itself in env PERGOLA_AGENT_TOKEN",
      ),
    )
    .addOption(
      new Option(
        "--token <token>",
        "deprecated: shows in `ps` (every user of this machine can read a command line); prefer --token-file or env PERGOLA_AGENT_TOKEN",
      ),
    )
    .addOption(
      new Option("--public-url <url>", "where this agent serves the Stages' links (env PERGOLA_PUBLIC_URL)").default(
        env.PERGOLA_PUBLIC_URL,
        "$PERGOLA_PUBLIC_URL",
      ),
    )
    .addOption(
      new Option(
        "--links-listen <host:port>",
        "where the links gateway listens when not at the public URL's host and port, e.g. 0.0.0.0:8000 in a container or behind NAT (env PERGOLA_AGENT_LINKS_LISTEN)",
      )
        .argParser(parseListen)
        .default(
          env.PERGOLA_AGENT_LINKS_LISTEN === undefined ? undefined : parseListen(env.PERGOLA_AGENT_LINKS_LISTEN),
          "$PERGOLA_AGENT_LINKS_LISTEN",
        ),
    )
    .addOption(
      new Option("--health-port <port>", "serve /healthz on this port (env PERGOLA_AGENT_HEALTH_PORT); unset: no /healthz")
        .argParser(parsePort)
        .default(env.PERGOLA_AGENT_HEALTH_PORT, "$PERGOLA_AGENT_HEALTH_PORT"),
    )
    .addOption(
      new Option("--health-host <host>", "the address /healthz listens on (env PERGOLA_AGENT_HEALTH_HOST)").default(
        env.PERGOLA_AGENT_HEALTH_HOST,
        "$PERGOLA_AGENT_HEALTH_HOST or 127.0.0.1",
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

A token file must be readable by its owner only (chmod 600): one that others may read is refused.
Errors in flags, env or the token file exit with code 2.

Example:
  install -m 600 /dev/null /etc/pergola/agent.token && echo 'pgl_…' > /etc/pergola/agent.token
  pergola-agent --server https://pergola.example.com --token-file /etc/pergola/agent.token --data-dir /var/lib/pergola-agent --health-port 9464
  PERGOLA_SERVER=http://127.0.0.1:4000 PERGOLA_AGENT_TOKEN=pgl_… pergola-agent`,
    )
    .showHelpAfterError();
}

/** `host:port` (`[::]:8000` for IPv6). */
function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError("host:port, such as 0.0.0.0:8000");
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: parsePort(match[2]!) };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new InvalidArgumentError("a port number, 0 to 65535");
  return port;
}
