/**
 * Asking for a secret (a password, an access key): on a terminal, typed without echo; when
 * stdin is not a terminal, its first line, so that scripts and tests can pipe it in
 * (`printf '%s\n' "$PW" | pergola login --email …`). Prompts go to stderr, never stdout.
 */
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";

export function stdinIsTerminal(): boolean {
  return Boolean(process.stdin.isTTY);
}

/** The secret typed after `question` (no echo), or stdin's first line when stdin is not a terminal. */
export async function askSecret(question: string): Promise<string> {
  return stdinIsTerminal() ? askHidden(question) : readStdinLine();
}

/** stdin's first line without its line end; "" for an empty stdin (or /dev/null). */
export async function readStdinLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString("utf8");
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0]!;
}

async function askHidden(question: string): Promise<string> {
  // readline echoes what is typed through `output`: muted once the question is written.
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const cancel = new AbortController();
  rl.on("SIGINT", () => cancel.abort());
  try {
    const answer = rl.question(question, { signal: cancel.signal });
    muted = true;
    return await answer;
  } catch (error) {
    if (cancel.signal.aborted) throw new CliError("cancelled", ExitCode.ERROR);
    throw error;
  } finally {
    muted = false;
    process.stderr.write("\n");
    rl.close();
  }
}

/** A yes/no question on stderr: true for "y" or "yes". On a terminal it is typed; otherwise stdin's first line answers. */
export async function askYesNo(question: string): Promise<boolean> {
  let answer: string;
  if (stdinIsTerminal()) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      answer = await rl.question(question);
    } finally {
      rl.close();
    }
  } else {
    process.stderr.write(question);
    answer = await readStdinLine();
    process.stderr.write("\n");
  }
  return /^y(es)?$/i.test(answer.trim());
}
