/** `pergola mcp`: serves the Model Context Protocol over stdio for AI assistants (see ../mcp/server.ts). */
import type { Command } from "commander";
import { leaf } from "../command.js";

export function registerMcp(program: Command): void {
  leaf(
    program,
    "mcp",
    "Serve the Model Context Protocol over stdio for AI assistants: tools to list, deploy, promote, roll back, suspend and resume, as the saved login",
    ['pergola mcp   # in an MCP client\'s config: {"command": "pergola", "args": ["mcp"]}'],
    (cmd) => cmd,
    async (ctx) => {
      // The MCP SDK and the tools' schemas load only for this command: every other one starts without them.
      const { serveStdio } = await import("../mcp/server.js");
      await serveStdio(ctx.client);
    },
  );
}
