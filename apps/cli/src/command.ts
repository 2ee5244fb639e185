/**
 * How a command is declared: `pergola <verb> <noun>` leaves with the global options on each
 * (so `--help` shows them and they work before or after the noun), examples in `--help`, and
 * an action that receives a ready API client and the output format.
 */
import type { Command, OptionValues } from "commander";
import { ApiClient } from "./client.js";
import { resolveConnection, type Connection } from "./config.js";
import { parseFormat, type OutputFormat } from "./output.js";

export interface Context {
  client: ApiClient;
  connection: Connection;
  format: OutputFormat;
  /** The leaf command's own options. */
  opts: OptionValues;
}

/** The first value an option has on `cmd` or one of its parents (leaf first). */
export function inherited(cmd: Command, key: string): string | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const value = c.getOptionValue(key) as string | undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option("-o, --output <format>", "table (default), json or yaml")
    .option("--endpoint <url>", "the Pergola API (default: PERGOLA_ENDPOINT, then the saved login)")
    .option("--access-key <token>", "an access key (default: PERGOLA_ACCESS_KEY, then the saved login: a session or a key)");
}

export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/** A leaf command: global options, examples, and `action(ctx, ...args)`. */
export function leaf(
  parent: Command,
  spec: string,
  description: string,
  exampleLines: string[],
  configure: (cmd: Command) => Command,
  action: (ctx: Context, ...args: string[]) => Promise<void>,
): Command {
  const cmd = parent.command(spec).description(description);
  configure(cmd);
  addGlobalOptions(cmd);
  examples(cmd, exampleLines);
  cmd.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const args = received.slice(0, -2).map((a) => a as string);
    const connection = resolveConnection({ endpoint: inherited(self, "endpoint"), accessKey: inherited(self, "accessKey") });
    const ctx: Context = {
      client: new ApiClient(connection),
      connection,
      format: parseFormat(inherited(self, "output") ?? "table"),
      opts: self.opts(),
    };
    try {
      await action(ctx, ...args);
    } finally {
      await ctx.client.close();
    }
  });
  return cmd;
}

export const projectOption = (cmd: Command) => cmd.requiredOption("-p, --project <project>", "the Project (its slug)");
export const stageOption = (cmd: Command) => cmd.requiredOption("-s, --stage <stage>", "the Stage ID");
