/**
 * Where the agent's token comes from. Not the command line if it can be helped: every user of
 * the machine can read a process's arguments (`ps`, /proc/<pid>/cmdline), while a file of mode
 * 0600 or the agent's environment (/proc/<pid>/environ: its own user and root only) they cannot.
 */
import { readFileSync, statSync } from "node:fs";

/** A token the agent can not use: `message` is one line, for the operator. */
export class TokenError extends Error {}

export interface TokenSources {
  /** --token-file */
  tokenFileFlag?: string;
  /** --token (deprecated: it shows in `ps`) */
  tokenFlag?: string;
  /** PERGOLA_AGENT_TOKEN_FILE */
  tokenFileEnv?: string;
  /** PERGOLA_AGENT_TOKEN */
  tokenEnv?: string;
}

/** The first given of --token-file, --token, PERGOLA_AGENT_TOKEN_FILE, PERGOLA_AGENT_TOKEN: flags win over env, files over values. */
export function readToken(sources: TokenSources): string {
  if (sources.tokenFileFlag !== undefined) return readTokenFile(sources.tokenFileFlag);
  if (sources.tokenFlag !== undefined) {
    if (!sources.tokenFlag.trim()) throw new TokenError("--token is empty");
    return sources.tokenFlag.trim();
  }
  if (sources.tokenFileEnv !== undefined) return readTokenFile(sources.tokenFileEnv);
  if (sources.tokenEnv !== undefined) return sources.tokenEnv;
  throw new TokenError("no token: give --token-file <path> (or PERGOLA_AGENT_TOKEN_FILE, or PERGOLA_AGENT_TOKEN)");
}

/**
 * The token in `file`, without surrounding whitespace. Like ssh with a private key, a file that
 * others may read or write (any bit of 0o077) is refused rather than warned about: the token
 * hands out every Stage's secret Configuration, and a warning in a log nobody reads protects nothing.
 */
export function readTokenFile(file: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode & 0o777;
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TokenError(`cannot read the token file ${file}: ${code ?? String(error)}`);
  }
  if (mode & 0o077) {
    throw new TokenError(
      `the token file ${file} is open to other users (mode ${mode.toString(8).padStart(4, "0")}): run "chmod 600 ${file}"`,
    );
  }
  if (!text) throw new TokenError(`the token file ${file} is empty`);
  return text;
}
