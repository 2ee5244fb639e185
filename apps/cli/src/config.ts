/**
 * The saved login: `$XDG_CONFIG_HOME/pergola/config.json` (default
 * `~/.config/pergola/config.json`), `{ endpoint, accessKey }` or `{ endpoint, session }`, mode
 * 0600 in a 0700 directory, because either credential is as good as a password. What a command
 * uses is, first to last: `--endpoint` / `--access-key`, `PERGOLA_ENDPOINT` /
 * `PERGOLA_ACCESS_KEY`, the file, and for the endpoint `http://127.0.0.1:4000` (what `npm start`
 * listens on).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readEnv } from "./env.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:4000";

/** A session from `pergola login --email`: it ends at `expiresAt` (12 h) or with `pergola logout`. */
export interface SavedSession {
  token: string;
  email: string;
  /** ISO 8601. */
  expiresAt: string;
}

export interface SavedConfig {
  endpoint?: string;
  accessKey?: string;
  session?: SavedSession;
}

/** Where and as whom a command talks to the API. */
export interface Connection {
  /** The API's base URL, without `/graphql`. */
  endpoint: string;
  /** The bearer token: an access key, or the saved session's token. */
  token: string | undefined;
  /** Set when `token` is the saved session's, so that its end can be told as such. */
  session: SavedSession | undefined;
}

export function configPath(): string {
  const env = readEnv();
  return join(env.XDG_CONFIG_HOME ?? join(env.home, ".config"), "pergola", "config.json");
}

export function readConfig(): SavedConfig {
  let text: string;
  try {
    text = readFileSync(configPath(), "utf8");
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as SavedConfig;
    const session = parsed.session;
    return {
      endpoint: typeof parsed.endpoint === "string" ? parsed.endpoint : undefined,
      accessKey: typeof parsed.accessKey === "string" ? parsed.accessKey : undefined,
      session:
        session && typeof session.token === "string" && typeof session.email === "string" && typeof session.expiresAt === "string"
          ? { token: session.token, email: session.email, expiresAt: session.expiresAt }
          : undefined,
    };
  } catch {
    throw new CliError(`${configPath()} is not valid JSON: run pergola login again`, ExitCode.ERROR);
  }
}

export function writeConfig(config: SavedConfig): string {
  const file = configPath();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only to a new file.
  chmodSync(file, 0o600);
  return file;
}

/** `http://host:4000/graphql/` → `http://host:4000`; anything but http(s) is a bad endpoint. */
export function normalizeEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`"${value}" is not a URL (e.g. http://127.0.0.1:4000)`, ExitCode.BAD_INPUT);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new CliError(`"${value}": the endpoint must be http:// or https://`, ExitCode.BAD_INPUT);
  return url
    .toString()
    .replace(/\/+$/, "")
    .replace(/\/graphql$/, "");
}

export function resolveConnection(flags: { endpoint?: string; accessKey?: string }): Connection {
  const env = readEnv();
  const saved = readConfig();
  const endpoint = normalizeEndpoint(flags.endpoint ?? env.PERGOLA_ENDPOINT ?? saved.endpoint ?? DEFAULT_ENDPOINT);
  const explicit = flags.accessKey ?? env.PERGOLA_ACCESS_KEY;
  if (explicit) return { endpoint, token: explicit, session: undefined };
  if (saved.session) return { endpoint, token: saved.session.token, session: saved.session };
  return { endpoint, token: saved.accessKey, session: undefined };
}

/** The one-line message for a saved session the API no longer takes (or that has expired here). */
export function sessionEndedMessage(session: SavedSession): string {
  const expired = Date.parse(session.expiresAt) <= Date.now();
  return `your session as ${session.email} ${expired ? `expired at ${session.expiresAt}` : "has ended"}: log in again with pergola login --email ${session.email}`;
}
