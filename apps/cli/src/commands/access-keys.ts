/** `create access-key`, `list access-key`, `disable access-key`, `enable access-key`, `delete access-key`: your personal access keys. */
import {
  CliCreateAccessKeyDocument,
  CliDeleteAccessKeyDocument,
  CliDisableAccessKeyDocument,
  CliEnableAccessKeyDocument,
  CliListAccessKeysDocument,
  type AccessKeyRow,
} from "../documents.js";
import { leaf } from "../command.js";
import type { Verbs } from "../groups.js";
import { ago, print, renderTable } from "../output.js";

const yesNo = (value: boolean) => (value ? "yes" : "no");

export function renderAccessKeys(keys: AccessKeyRow[], title: string): string {
  return renderTable(
    ["id", "name", "read-only", "enabled", "created", "last used"],
    keys.map((k) => [k.id, k.name, yesNo(k.readOnly), yesNo(k.enabled), ago(k.createdAt), ago(k.lastUsedAt)]),
    title,
  );
}

export function registerAccessKeys(verbs: Verbs): void {
  leaf(
    verbs.create,
    "access-key <name>",
    "Create a personal access key (at most 2 enabled per user); prints its token, shown this once",
    ["pergola create access-key ci-deploy", "pergola create access-key wall-display --read-only -o json"],
    (cmd) => cmd.alias("access-keys").option("--read-only", "queries and subscriptions only: every mutation is refused (exit 5)"),
    async (ctx, name) => {
      const { createAccessKey } = await ctx.client.request(CliCreateAccessKeyDocument, {
        input: { name: name!, readOnly: Boolean(ctx.opts.readOnly) },
      });
      const key = createAccessKey.accessKey;
      print(ctx.format, createAccessKey, () =>
        [
          `access key ${key.name} created (${key.readOnly ? "read-only" : "read-write"}), id ${key.id}`,
          "",
          "Token (shown once, now; keep it secret):",
          `  ${createAccessKey.token}`,
          "",
          "Use it with: pergola login --access-key <token>, --access-key <token> or PERGOLA_ACCESS_KEY=<token>",
        ].join("\n"),
      );
    },
  );

  leaf(
    verbs.list,
    "access-key",
    "List your access keys (admins: anyone's, with --user); never their secrets",
    ["pergola list access-key", "pergola list access-keys --user silas@example.com -o json"],
    (cmd) => cmd.alias("access-keys").option("--user <email-or-id>", "whose keys (admins only); default: yours"),
    async (ctx) => {
      const { accessKeys } = await ctx.client.request(CliListAccessKeysDocument, { user: ctx.opts.user ?? null });
      print(ctx.format, accessKeys, () => renderAccessKeys(accessKeys, ctx.opts.user ? `access keys (${ctx.opts.user})` : "access keys"));
    },
  );

  leaf(
    verbs.disable,
    "access-key <id>",
    "Disable an access key: it is refused (exit 4) from its next request until enabled again",
    ["pergola disable access-key 0b6f2c1e-…"],
    (cmd) => cmd.alias("access-keys"),
    async (ctx, id) => {
      const { disableAccessKey } = await ctx.client.request(CliDisableAccessKeyDocument, { id: id! });
      print(ctx.format, disableAccessKey, () => `access key ${disableAccessKey.id} (${disableAccessKey.name}) disabled`);
    },
  );

  leaf(
    verbs.enable,
    "access-key <id>",
    "Enable a disabled access key again (at most 2 enabled per user: a third is a conflict, exit 6)",
    ["pergola enable access-key 0b6f2c1e-…"],
    (cmd) => cmd.alias("access-keys"),
    async (ctx, id) => {
      const { enableAccessKey } = await ctx.client.request(CliEnableAccessKeyDocument, { id: id! });
      print(ctx.format, enableAccessKey, () => `access key ${enableAccessKey.id} (${enableAccessKey.name}) enabled`);
    },
  );

  leaf(
    verbs.delete,
    "access-key <id>",
    "Delete an access key for good; it is refused (exit 4) from its next request",
    ["pergola delete access-key 0b6f2c1e-…"],
    (cmd) => cmd.alias("access-keys"),
    async (ctx, id) => {
      const { deleteAccessKey } = await ctx.client.request(CliDeleteAccessKeyDocument, { id: id! });
      print(ctx.format, { deleted: deleteAccessKey, id }, () => `access key ${id} deleted`);
    },
  );
}
