#!/usr/bin/env node
/**
 * `pergola`: parses the command line and runs one command. Every failure ends here as one
 * line on stderr and an exit code (exit-codes.ts); a stack trace only with PERGOLA_DEBUG=1.
 */
import { CommanderError } from "commander";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { createProgram } from "./program.js";

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own message ("error: unknown option '--x'") or the help.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.OK;
      return ExitCode.BAD_INPUT;
    }
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n${error.details.map((d) => `${d}\n`).join("")}`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.PERGOLA_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return ExitCode.ERROR;
  }
}

// stdout closed early (`pergola events -f | head`): stop quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.OK);
});

const code = await main(process.argv);
// Into a pipe, output is written asynchronously: exit once all of it has gone out (a long
// `-o json` list was cut off at the pipe's buffer otherwise).
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
