/** `create user`, `list user`, `disable user`, `enable user` (admins). */
import { CliCreateUserDocument, CliDisableUserDocument, CliEnableUserDocument, CliListUsersDocument, type UserRow } from "../documents.js";
import type { ApiClient } from "../client.js";
import { leaf } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { ago, print, renderTable } from "../output.js";
import { askSecret, readStdinLine, stdinIsTerminal } from "../prompt.js";

export function renderUsers(users: UserRow[]): string {
  return renderTable(
    ["email", "name", "admin", "status", "created", "last seen"],
    users.map((u) => [u.email, u.name, u.isAdmin ? "yes" : "no", u.disabled ? "disabled" : "enabled", ago(u.createdAt), ago(u.lastSeenAt)]),
    "users",
  );
}

/**
 * The new user's password: --password, else typed twice without echo on a terminal, else
 * stdin's first line. Empty: none, and the user signs in with SSO only.
 */
async function newPassword(flag: string | undefined, email: string): Promise<string | undefined> {
  if (flag !== undefined) return flag || undefined;
  if (!stdinIsTerminal()) return (await readStdinLine()) || undefined;
  const first = await askSecret(`Password for ${email} (at least 12 characters; empty: SSO only): `);
  if (!first) return undefined;
  if ((await askSecret("Again: ")) !== first) throw badInput("the two passwords differ");
  return first;
}

/** An email or a user ID → the ID (`disableUser` and `enableUser` take IDs). */
async function userId(client: ApiClient, who: string): Promise<string> {
  if (!who.includes("@")) return who;
  const { users } = await client.request(CliListUsersDocument);
  const user = users.find((u) => u.email === who.trim().toLowerCase());
  if (!user) throw new CliError(`not found: User "${who}"`, ExitCode.NOT_FOUND);
  return user.id;
}

export function registerUsers(verbs: Verbs): void {
  leaf(
    verbs.create,
    "user <email>",
    "Create a user (admins); the password is --password, asked without echo, or read from stdin (none: SSO only)",
    [
      'pergola create user silas@example.com --name "Silas"             # asks for the password',
      "printf '%s\\n' \"$PASSWORD\" | pergola create user ci@example.com --name ci",
      "pergola create user ana@example.com --name Ana --admin --password 'correct horse battery'",
    ],
    (cmd) =>
      cmd
        .alias("users")
        .requiredOption("--name <name>", "what the user is called (shown in lists and the audit log)")
        .option("--admin", "an admin: sees everything, manages users and Outposts")
        .option("--password <password>", "at least 12 characters (visible in the shell's history: prefer the prompt or stdin)"),
    async (ctx, email) => {
      const password = await newPassword(ctx.opts.password, email!);
      const { createUser } = await ctx.client.request(CliCreateUserDocument, {
        input: { email: email!, name: ctx.opts.name, isAdmin: Boolean(ctx.opts.admin), ...(password && { password }) },
      });
      print(
        ctx.format,
        createUser,
        () =>
          `user ${createUser.email} created${createUser.isAdmin ? " (admin)" : ""}${password ? "" : "; no password: signs in with SSO only"}, id ${createUser.id}`,
      );
    },
  );

  leaf(
    verbs.list,
    "user",
    "List the users (admins)",
    ["pergola list user", "pergola list users -o json"],
    (cmd) => cmd.alias("users"),
    async (ctx) => {
      const { users } = await ctx.client.request(CliListUsersDocument);
      print(ctx.format, users, () => renderUsers(users));
    },
  );

  leaf(
    verbs.disable,
    "user <email-or-id>",
    "Disable a user (admins): every key and session of theirs stops at once (sessions for good)",
    ["pergola disable user silas@example.com"],
    (cmd) => cmd.alias("users"),
    async (ctx, who) => {
      const { disableUser } = await ctx.client.request(CliDisableUserDocument, { id: await userId(ctx.client, who!) });
      print(ctx.format, disableUser, () => `user ${disableUser.email} disabled`);
    },
  );

  leaf(
    verbs.enable,
    "user <email-or-id>",
    "Enable a disabled user (admins): their access keys work again; they sign in anew",
    ["pergola enable user silas@example.com"],
    (cmd) => cmd.alias("users"),
    async (ctx, who) => {
      const { enableUser } = await ctx.client.request(CliEnableUserDocument, { id: await userId(ctx.client, who!) });
      print(ctx.format, enableUser, () => `user ${enableUser.email} enabled`);
    },
  );
}
