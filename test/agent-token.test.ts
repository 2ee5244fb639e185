/**
 * The built `pergola-agent` refuses a token it must not use before it does anything else: one
 * line on stderr (no stack, no help text), nothing on stdout, exit code 2.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/processes.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "pergola-agent-token-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** The agent's exit code, stdout and stderr (a server nobody listens on: it never gets that far). */
async function runAgent(args: string[], env: Record<string, string> = {}) {
  const argv = ["apps/agent/dist/cli.js", "--server", "http://127.0.0.1:9", "--data-dir", join(dir, "data"), ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe("pergola-agent's token", () => {
  const open = (path: string, mode: string) => `the token file ${path} is open to other users (mode ${mode}): run "chmod 600 ${path}"`;
  const missing = join(dir, "missing");
  const directory = join(dir, "a-directory");
  mkdirSync(directory);
  const empty = file("empty", "\n", 0o600);
  const worldReadable = file("world", "pgl_x\n", 0o644);
  const groupReadable = file("group", "pgl_x\n", 0o640);
  const openInEnv = file("open-env", "pgl_x\n", 0o604);
  const cases: { what: string; args: string[]; env?: Record<string, string>; message: string }[] = [
    { what: "an empty token file", args: ["--token-file", empty], message: `the token file ${empty} is empty` },
    { what: "a token file others may read", args: ["--token-file", worldReadable], message: open(worldReadable, "0644") },
    { what: "a token file its group may read", args: ["--token-file", groupReadable], message: open(groupReadable, "0640") },
    { what: "a token file that does not exist", args: ["--token-file", missing], message: `cannot read the token file ${missing}: ENOENT` },
    {
      what: "a token file that is a directory",
      args: ["--token-file", directory],
      message: `cannot read the token file ${directory}: EISDIR`,
    },
    {
      what: "a PERGOLA_AGENT_TOKEN_FILE others may read",
      args: [],
      env: { PERGOLA_AGENT_TOKEN_FILE: openInEnv },
      message: open(openInEnv, "0604"),
    },
    {
      what: "no token at all",
      args: [],
      message: "no token: give --token-file <path> (or PERGOLA_AGENT_TOKEN_FILE, or PERGOLA_AGENT_TOKEN)",
    },
  ];

  it.each(cases)("refuses $what: one line on stderr, exit code 2", async ({ args, env, message }) => {
    expect(await runAgent(args, env)).toEqual({ code: 2, stdout: "", stderr: `pergola-agent: error: ${message}\n` });
  });
});
