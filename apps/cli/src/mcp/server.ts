/**
 * `pergola mcp`: the Model Context Protocol over stdio, for AI assistants. One McpServer with
 * the read tools (read-tools.ts), the tools that change Stages (write-tools.ts) and backups
 * (backup-tools.ts), all through
 * one ApiClient: the CLI's saved login, or PERGOLA_ENDPOINT / PERGOLA_ACCESS_KEY, or the flags.
 *
 * stdout carries the protocol and nothing else; anything said to a person goes to stderr.
 * The server ends when its client closes stdin (or closes the connection).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { ApiClient } from "../client.js";
import { CLI_VERSION } from "../version.js";
import { registerBackupTools } from "./backup-tools.js";
import { registerReadTools } from "./read-tools.js";
import { registerWriteTools } from "./write-tools.js";

const INSTRUCTIONS = `Pergola runs applications as Releases of Builds on Stages (DEV, QA, PROD) of Projects.
Start with list_projects, then list_stages; fleet_health tells what is unhealthy anywhere. Changes (deploy_release, promote_release, rollback_stage, suspend_stage, resume_stage, restore_backup) on a PROD Stage are refused unless confirm is true: ask the user before you set it.
Errors come back as "<CODE>: <message>" (NOT_FOUND, FORBIDDEN, STATE_CONFLICT, BAD_USER_INPUT, CONFLICT, UNAUTHENTICATED, CONFIRMATION_REQUIRED).`;

export function createMcpServer(client: ApiClient): McpServer {
  const server = new McpServer({ name: "pergola", title: "Pergola", version: CLI_VERSION }, { instructions: INSTRUCTIONS });
  registerReadTools(server, client);
  registerWriteTools(server, client);
  registerBackupTools(server, client);
  return server;
}

/** Serves on this process's stdin and stdout until the client goes away. */
export async function serveStdio(client: ApiClient): Promise<void> {
  const server = createMcpServer(client);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  // The SDK's transport does not watch for the end of stdin: a client that closes it is gone.
  process.stdin.once("end", () => void server.close());
  process.stderr.write(`pergola mcp: serving ${client.connection.endpoint} over stdio\n`);
  await closed;
}
