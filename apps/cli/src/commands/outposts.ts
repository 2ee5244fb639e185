/** `create outpost`, `list outpost`, `get outpost`, `validate outpost-uri`, `rotate outpost-token`, `delete outpost`. */
import { outpostHistoryTextOf } from "@pergola/schema";
import {
  CliCreateOutpostDocument,
  CliDeleteOutpostDocument,
  CliGetOutpostDocument,
  CliListOutpostsDocument,
  CliRotateOutpostTokenDocument,
  CliValidateOutpostUriDocument,
  type CliValidateOutpostUriQuery,
  type OutpostCredentialsRow,
} from "../documents.js";
import { leaf } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { ago, lower, print, renderFacts, renderTable } from "../output.js";
import { formatLabels, renderOutpost, renderOutposts } from "../views.js";
import { limitOption, parseLimit, readPages } from "../pages.js";

/** `labelEntries` and `agentVersion` are null for non-admins. */
export function renderValidation(v: CliValidateOutpostUriQuery["validateOutpostUri"]): string {
  const lines = [`${v.uri}: ${v.valid ? "valid" : "not valid"}`];
  if (v.outpost)
    lines.push(
      renderFacts([
        ["  name", v.outpost.name],
        ["  description", v.outpost.description],
        ["  region", v.outpost.region],
        ["  labels", formatLabels(v.outpost.labelEntries)],
        ["  agent", v.outpost.agentVersion],
        ["  status", lower(v.outpost.status)],
      ]),
    );
  for (const p of v.problems) lines.push(`  ${p.warning ? "warning" : "problem"} ${p.code}: ${p.message}`);
  return lines.join("\n");
}

function renderCredentials(c: OutpostCredentialsRow): string {
  return [
    `outpost ${c.outpost.slug}: ${c.outpost.uri} (${lower(c.outpost.status)})`,
    "",
    "Agent token (shown once; keep it secret):",
    `  ${c.agentToken}`,
    "",
    "Run on the Outpost's host:",
    `  ${c.agentCommand}`,
  ].join("\n");
}

const int = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badInput(`${flag} ${value}: a whole number of seconds`);
  return Number(value);
};

export function registerOutposts(verbs: Verbs): void {
  leaf(
    verbs.create,
    "outpost <name>",
    "Register an Outpost (admins): prints its URI, its one-time agent token and the agent command",
    [
      'pergola create outpost "Factory Berlin" --region eu-central --label site=berlin',
      "pergola create outpost edge-1 --id edge1 --heartbeat-interval 5 --offline-after 20 -o json",
    ],
    (cmd) =>
      cmd
        .alias("outposts")
        .option("--id <outpost-id>", "its ID in outpost://<id>; default: derived from the name")
        .option("--description <text>", "what it is")
        .option("--region <region>", "where it is")
        .option("--label <key=value>", "a label (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
        .option("--heartbeat-interval <seconds>", "default 5")
        .option("--offline-after <seconds>", "default 20"),
    async (ctx, name) => {
      const labels = (ctx.opts.label as string[] | undefined) ?? [];
      const labelEntries = labels.map((label) => {
        const at = label.indexOf("=");
        if (at < 1) throw badInput(`--label ${label}: expected key=value`);
        return { key: label.slice(0, at), value: label.slice(at + 1) };
      });
      const heartbeat = int("--heartbeat-interval", ctx.opts.heartbeatInterval);
      const offline = int("--offline-after", ctx.opts.offlineAfter);
      const { createOutpost } = await ctx.client.request(CliCreateOutpostDocument, {
        input: {
          name: name!,
          ...(ctx.opts.id && { slug: ctx.opts.id }),
          ...(ctx.opts.description && { description: ctx.opts.description }),
          ...(ctx.opts.region && { region: ctx.opts.region }),
          ...(labelEntries.length && { labelEntries }),
          ...(heartbeat !== undefined && { heartbeatIntervalSeconds: heartbeat }),
          ...(offline !== undefined && { offlineAfterSeconds: offline }),
        },
      });
      print(ctx.format, createOutpost, () => renderCredentials(createOutpost));
    },
  );

  leaf(
    verbs.list,
    "outpost",
    "List the Outposts (admins): status, region, Stages, agent version, last heartbeat",
    ["pergola list outpost", "pergola list outposts --limit 100 -o json"],
    (cmd) => limitOption(cmd.alias("outposts")),
    async (ctx) => {
      const outposts = await readPages(
        async (first, after) => (await ctx.client.request(CliListOutpostsDocument, { first, after })).outpostsConnection,
        parseLimit(ctx.opts.limit),
      );
      print(ctx.format, outposts, () => renderOutposts(outposts));
    },
  );

  leaf(
    verbs.get,
    "outpost <outpost>",
    "Show an Outpost (admins) and its connection history",
    ["pergola get outpost factory-berlin", "pergola get outpost factory-berlin --history 50 -o yaml"],
    (cmd) => cmd.alias("outposts").option("--history <n>", "how many history entries", "20"),
    async (ctx, slug) => {
      const { outpost } = await ctx.client.request(CliGetOutpostDocument, {
        outpost: slug!.replace(/^outpost:\/\//, ""),
        first: Number(ctx.opts.history) || 20,
      });
      if (!outpost) throw new CliError(`not found: Outpost "${slug}"`, ExitCode.NOT_FOUND);
      print(ctx.format, outpost, () =>
        [
          renderOutpost(outpost),
          "",
          renderTable(
            ["when", "event", "message"],
            (outpost.history ?? []).map((h) => [ago(h.at), outpostHistoryTextOf(h.event), h.message]),
            "history",
          ),
        ].join("\n"),
      );
    },
  );

  leaf(
    verbs.validate,
    "outpost-uri <uri>",
    "Check an outpost://<id> URI and show what the Outpost is; exits 2 when it is not valid",
    ["pergola validate outpost-uri outpost://factory-berlin"],
    (cmd) => cmd,
    async (ctx, uri) => {
      const { validateOutpostUri } = await ctx.client.request(CliValidateOutpostUriDocument, { uri: uri! });
      print(ctx.format, validateOutpostUri, () => renderValidation(validateOutpostUri));
      if (!validateOutpostUri.valid) process.exitCode = ExitCode.BAD_INPUT;
    },
  );

  leaf(
    verbs.rotate,
    "outpost-token <outpost>",
    "Give an Outpost's agent a new token (admins); the old one stops working and its sockets close",
    ["pergola rotate outpost-token factory-berlin"],
    (cmd) => cmd,
    async (ctx, slug) => {
      const { rotateOutpostToken } = await ctx.client.request(CliRotateOutpostTokenDocument, {
        outpost: slug!.replace(/^outpost:\/\//, ""),
      });
      print(ctx.format, rotateOutpostToken, () => renderCredentials(rotateOutpostToken));
    },
  );

  leaf(
    verbs.delete,
    "outpost <outpost>",
    "Delete an Outpost (admins); refused (exit 7) while Stages live on it",
    ["pergola delete outpost factory-berlin"],
    (cmd) => cmd.alias("outposts"),
    async (ctx, slug) => {
      const id = slug!.replace(/^outpost:\/\//, "");
      const { deleteOutpost } = await ctx.client.request(CliDeleteOutpostDocument, { outpost: id });
      print(ctx.format, { deleted: deleteOutpost, outpost: id }, () => `outpost ${id} deleted`);
    },
  );
}
