/** `pergola login` (an access key, or email and password for a session), `pergola logout`, `pergola info`. */
import type { Command } from "commander";
import { CliMeDocument, CliSignInDocument, CliSignOutDocument } from "../documents.js";
import { ApiClient } from "../client.js";
import { configPath, normalizeEndpoint, readConfig, writeConfig, type SavedConfig, type SavedSession } from "../config.js";
import { leaf, type Context } from "../command.js";
import { readEnv } from "../env.js";
import { badInput, CliError, unreachable } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { lower, print, renderFacts } from "../output.js";
import { askSecret, stdinIsTerminal } from "../prompt.js";
import { CLI_VERSION } from "../version.js";

export function registerSession(program: Command): void {
  leaf(
    program,
    "login",
    "Sign in with email and password (a 12-hour session) or check an access key, and save it for the next commands (config.json, mode 0600)",
    [
      "pergola login --endpoint https://pergola.example.com --email silas@example.com   # asks for the password",
      "printf '%s\\n' \"$PASSWORD\" | pergola login --email silas@example.com            # the password from stdin",
      "pergola login --endpoint http://127.0.0.1:4000 --access-key 0b6f…:…",
      "pergola login --endpoint https://pergola.example.com   # asks for the access key",
    ],
    (cmd) =>
      cmd.option(
        "--email <email>",
        "sign in as this user; the password is asked without echo, read from stdin when it is not a terminal, or taken from PERGOLA_PASSWORD",
      ),
    async (ctx) => {
      const endpoint = normalizeEndpoint(ctx.opts.endpoint ?? ctx.connection.endpoint);
      if (ctx.opts.email) return logInWithPassword(ctx, endpoint, ctx.opts.email as string);
      // A saved session is not an access key: without --access-key, ask for one.
      const accessKey = ctx.opts.accessKey ?? (ctx.connection.session ? undefined : ctx.connection.token) ?? (await askAccessKey());
      const { me } = await new ApiClient({ endpoint, token: accessKey, session: undefined }).request(CliMeDocument);
      const { session: _replaced, ...kept } = readConfig();
      const file = writeConfig({ ...kept, endpoint, accessKey });
      print(
        ctx.format,
        { endpoint, me, config: file },
        () =>
          `Logged in to ${endpoint} as ${me.name} <${me.email}> (${lower(me.role)}${me.readOnly ? ", read-only key" : ""}); saved in ${file}`,
      );
    },
  );

  leaf(
    program,
    "logout",
    "End the saved session (signOut) and forget the saved session or access key; the endpoint stays",
    ["pergola logout"],
    (cmd) => cmd,
    async (ctx) => {
      const saved = readConfig();
      const endpoint = saved.endpoint ? normalizeEndpoint(saved.endpoint) : ctx.connection.endpoint;
      const ended = saved.session ? await signOut(endpoint, saved.session) : null;
      const { session: _session, accessKey: _accessKey, ...kept } = saved;
      const file = writeConfig(kept);
      const forgot = saved.session ? "session" : saved.accessKey ? "access key" : null;
      print(ctx.format, { endpoint, forgot, session: ended, config: file }, () => {
        if (!forgot) return `Not logged in; nothing to forget in ${file}`;
        if (forgot === "access key")
          return `Forgot the access key saved in ${file} (the key itself still works until it is disabled or deleted)`;
        const how =
          ended === "ended" ? "ended" : ended === "already ended" ? "had already ended" : `ends by itself at ${saved.session!.expiresAt}`;
        return `Logged out of ${endpoint}: the session of ${saved.session!.email} ${how}`;
      });
    },
  );

  leaf(
    program,
    "info",
    "The CLI's and the server's versions, the endpoint, who you are and with what (session, access key, read-only)",
    ["pergola info", "pergola info -o json"],
    (cmd) => cmd,
    async (ctx) => {
      const server = await serverStatus(ctx.connection.endpoint);
      const me = ctx.connection.token ? (await ctx.client.request(CliMeDocument)).me : null;
      const session = ctx.connection.session;
      const credential = me
        ? { kind: session ? "session" : "access key", readOnly: me.readOnly, expiresAt: session?.expiresAt ?? null }
        : null;
      const data = { cli: { version: CLI_VERSION }, endpoint: ctx.connection.endpoint, server, me, credential, config: configPath() };
      print(ctx.format, data, () =>
        renderFacts([
          ["cli", CLI_VERSION],
          ["endpoint", ctx.connection.endpoint],
          ["server", `${server.status}${server.version ? ` (version ${server.version})` : ""}`],
          ["you", me ? `${me.name} (${lower(me.role)})` : "not logged in: pergola login --email EMAIL (or --access-key TOKEN)"],
          ["email", me?.email],
          [
            "with",
            credential
              ? session
                ? `a session, until ${session.expiresAt}`
                : `an access key, ${me!.readOnly ? "read-only" : "read-write"}`
              : null,
          ],
          ["config", configPath()],
        ]),
      );
    },
  );
}

async function logInWithPassword(ctx: Context, endpoint: string, email: string): Promise<void> {
  if (ctx.opts.accessKey) throw badInput("--email and --access-key: choose one");
  const password = readEnv().PERGOLA_PASSWORD ?? (await askSecret(`Password for ${email}: `));
  if (!password) throw badInput(`no password for ${email}: type it when asked, pipe it on stdin or set PERGOLA_PASSWORD`);
  const client = new ApiClient({ endpoint, token: undefined, session: undefined });
  const { signIn } = await client.request(CliSignInDocument, { email, password }, { anonymous: true }).catch((error: unknown) => {
    // The hint fromApiError adds is about access keys; here it was the password.
    if (error instanceof CliError && error.code === "UNAUTHENTICATED")
      throw new CliError(`not authenticated: wrong email or password for ${email}`, ExitCode.UNAUTHENTICATED, [], error.code);
    throw error;
  });
  const session: SavedSession = { token: signIn.token, email: signIn.user.email, expiresAt: signIn.expiresAt };
  const { accessKey: _replaced, ...kept }: SavedConfig = readConfig();
  const file = writeConfig({ ...kept, endpoint, session });
  print(
    ctx.format,
    { endpoint, me: signIn.user, expiresAt: signIn.expiresAt, config: file },
    () =>
      `Logged in to ${endpoint} as ${signIn.user.name} <${signIn.user.email}> (${lower(signIn.user.role)}) until ${signIn.expiresAt}; saved in ${file}`,
  );
}

/**
 * Ends the session on the server. An unreachable server does not keep the session saved
 * here: it ends by itself at expiresAt (said on stderr).
 */
async function signOut(endpoint: string, session: SavedSession): Promise<"ended" | "already ended" | "not reached"> {
  try {
    const { signOut } = await new ApiClient({ endpoint, token: session.token, session: undefined }).request(CliSignOutDocument);
    return signOut ? "ended" : "already ended";
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.UNAUTHENTICATED) return "already ended";
    if (error instanceof CliError && error.exitCode === ExitCode.UNREACHABLE) {
      process.stderr.write(`warning: ${error.message}; the session stays valid on the server until ${session.expiresAt}\n`);
      return "not reached";
    }
    throw error;
  }
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
  if (!stdinIsTerminal())
    throw new CliError("no access key: pass --access-key TOKEN (or PERGOLA_ACCESS_KEY), or log in with --email", ExitCode.UNAUTHENTICATED);
  const key = (await askSecret("Access key: ")).trim();
  if (!key) throw new CliError("no access key given", ExitCode.UNAUTHENTICATED);
  return key;
}
