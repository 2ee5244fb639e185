/** `pergola login`, `pergola info`. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { cliMe } from "../documents.js";
import { ApiClient } from "../client.js";
import { configPath, normalizeEndpoint, readConfig, writeConfig } from "../config.js";
import { leaf } from "../command.js";
import { CliError, unreachable } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { print, renderFacts } from "../output.js";
import { CLI_VERSION } from "../version.js";

export function registerSession(program: Command): void {
  leaf(
    program,
    "login",
    "Check an endpoint and access key, and save them for the next commands (config.json, mode 0600)",
    [
      "pergola login --endpoint http://127.0.0.1:4000 --access-key pgl_…",
      "pergola login --endpoint https://pergola.example.com   # asks for the access key",
    ],
    (cmd) => cmd,
    async (ctx) => {
      const endpoint = normalizeEndpoint(ctx.opts.endpoint ?? ctx.session.endpoint);
      const accessKey = ctx.opts.accessKey ?? ctx.session.accessKey ?? (await askAccessKey());
      const client = new ApiClient({ endpoint, accessKey });
      const { me } = await client.request(cliMe);
      const file = writeConfig({ ...readConfig(), endpoint, accessKey });
      print(ctx.format, { endpoint, me, config: file }, () => `Logged in to ${endpoint} as ${me.name} (${me.role.toLowerCase()}); saved in ${file}`);
    },
  );

  leaf(
    program,
    "info",
    "The CLI's and the server's versions, the endpoint, and who you are",
    ["pergola info", "pergola info -o json"],
    (cmd) => cmd,
    async (ctx) => {
      const server = await serverStatus(ctx.session.endpoint);
      const me = ctx.session.accessKey ? (await ctx.client.request(cliMe)).me : null;
      const data = { cli: { version: CLI_VERSION }, endpoint: ctx.session.endpoint, server, me, config: configPath() };
      print(ctx.format, data, () =>
        renderFacts([
          ["cli", CLI_VERSION],
          ["endpoint", ctx.session.endpoint],
          ["server", `${server.status}${server.version ? ` (version ${server.version})` : ""}`],
          ["you", me ? `${me.name} (${me.role.toLowerCase()})` : "not logged in: pergola login --endpoint URL --access-key TOKEN"],
          ["config", configPath()],
        ]),
      );
    },
  );
}

/** `/healthz` needs no token and tells the API's version. */
async function serverStatus(endpoint: string): Promise<{ status: string; version: string | null }> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/healthz`);
  } catch (error) {
    throw unreachable(endpoint, error);
  }
  const body = (await res.json().catch(() => ({}))) as { status?: string; version?: string };
  return { status: res.ok ? (body.status ?? "ok") : `HTTP ${res.status}`, version: body.version ?? null };
}

async function askAccessKey(): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError("no access key: pass --access-key TOKEN (or PERGOLA_ACCESS_KEY)", ExitCode.UNAUTHENTICATED);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const key = (await rl.question("Access key: ")).trim();
    if (!key) throw new CliError("no access key given", ExitCode.UNAUTHENTICATED);
    return key;
  } finally {
    rl.close();
  }
}
