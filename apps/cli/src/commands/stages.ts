/** `create/list/update/delete/suspend/resume stage`. */
import { isOneOf, STAGE_TYPES, type StageType } from "@pergola/schema";
import type { Command } from "commander";
import {
  CliCreateStageDocument,
  CliDeleteStageDocument,
  CliListArchivedStagesDocument,
  CliListStagesDocument,
  CliPurgeStageDocument,
  CliRestoreStageDocument,
  CliResumeStageDocument,
  CliSuspendStageDocument,
  CliUpdateStageDocument,
  CliValidateOutpostUriDocument,
  type StageRow,
} from "../documents.js";
import { leaf, projectOption, type Context } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { print } from "../output.js";
import { confirmedByPolicy, YES_OPTION } from "../confirm.js";
import { renderStage, renderStages } from "../views.js";
import { renderValidation } from "./outposts.js";
import { limitOption, parseLimit, readPages } from "../pages.js";

function parseType(value: string): StageType {
  const type = value.toUpperCase();
  if (!isOneOf(STAGE_TYPES, type)) throw badInput(`--type ${value}: choose dev, qa or prod`);
  return type;
}

function parseGrace(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badInput(`--grace ${value}: a whole number of seconds`);
  return Number(value);
}

function parseBackupRetention(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badInput(`--backup-retention ${value}: a whole number of backups (1 to 100)`);
  return Number(value);
}

/** The Project's Stages, oldest first, page after page (a missing Project is the API's NOT_FOUND). */
export function listStages(ctx: Context, project: string, options: { type?: StageType; limit?: number } = {}): Promise<StageRow[]> {
  return readPages(async (first, after) => {
    const { stagesConnection } = await ctx.client.request(CliListStagesDocument, { project, first, after, type: options.type });
    return stagesConnection;
  }, options.limit);
}

/** The Stage ID from the positional argument or `-s`. */
export function stageArg(ctx: Context, positional: string | undefined): string {
  const stage = positional ?? ctx.opts.stage;
  if (!stage) throw badInput("which Stage? Give its ID as an argument or with -s STAGE");
  return stage;
}

const optionalStage = (cmd: Command) => cmd.option("-s, --stage <stage>", "the Stage ID (or as the argument)");

export function registerStages(verbs: Verbs): void {
  leaf(
    verbs.create,
    "stage <name>",
    "Create a Stage; its ID is derived from the name unless --id is given",
    [
      "pergola create stage my-new-stage --type dev -p my-new-project",
      'pergola create stage "Factory Berlin" --type prod -p my-new-project --id berlin --outpost-uri outpost://factory-berlin',
    ],
    (cmd) =>
      projectOption(cmd)
        .alias("stages")
        .requiredOption("-t, --type <type>", "dev, qa or prod")
        .option("--id <stage-id>", "the Stage ID; default: derived from the name")
        .option("--outpost-uri <uri>", "run the Stage on this Outpost (outpost://<slug>); validated first")
        .option("--grace <seconds>", "seconds between SIGTERM and SIGKILL on suspend (default 60)"),
    async (ctx, name) => {
      const type = parseType(ctx.opts.type);
      const grace = parseGrace(ctx.opts.grace);
      if (ctx.opts.outpostUri) {
        const { validateOutpostUri } = await ctx.client.request(CliValidateOutpostUriDocument, { uri: ctx.opts.outpostUri });
        if (ctx.format === "table") process.stdout.write(`${renderValidation(validateOutpostUri)}\n`);
        if (!validateOutpostUri.valid) throw new CliError(`${ctx.opts.outpostUri} is not a usable Outpost URI`, ExitCode.BAD_INPUT);
      }
      const { createStage } = await ctx.client.request(CliCreateStageDocument, {
        input: {
          project: ctx.opts.project,
          name: name!,
          type,
          ...(ctx.opts.id && { slug: ctx.opts.id }),
          ...(ctx.opts.outpostUri && { outpostUri: ctx.opts.outpostUri }),
          ...(grace !== undefined && { suspendGraceSeconds: grace }),
        },
      });
      print(
        ctx.format,
        createStage,
        () => `stage ${createStage.slug} created (${createStage.type.toLowerCase()}, ${createStage.state.toLowerCase()})`,
      );
    },
  );

  leaf(
    verbs.list,
    "stage",
    "List a Project's Stages: state, health, the running Release and, for Stages on Outposts, the connection",
    ["pergola list stage -p my-new-project", "pergola list stage -p my-new-project --type prod --limit 10 -o json"],
    (cmd) =>
      limitOption(
        projectOption(cmd)
          .alias("stages")
          .option("-t, --type <type>", "only Stages of this type: dev, qa or prod")
          .option("--archived", "the archived (deleted) Stages instead"),
      ),
    async (ctx) => {
      const project: string = ctx.opts.project;
      const type = ctx.opts.type ? parseType(ctx.opts.type) : undefined;
      if (ctx.opts.archived) {
        const { stages } = await ctx.client.request(CliListArchivedStagesDocument, { project });
        const shown = stages.filter((s) => !type || s.type === type);
        print(ctx.format, shown, () => renderStages(`${project}, archived`, shown as StageRow[]));
        return;
      }
      const stages = await listStages(ctx, project, { type, limit: parseLimit(ctx.opts.limit) });
      print(ctx.format, stages, () => renderStages(project, stages));
    },
  );

  leaf(
    verbs.update,
    "stage [stage]",
    "Rename a Stage, change its type, its suspend grace period or how many ready backups it keeps (the Stage ID stays)",
    [
      'pergola update stage my-new-stage -p my-new-project --name "My QA Stage" --type qa',
      "pergola update stage -s my-new-stage -p my-new-project --grace 10",
      "pergola update stage my-new-stage -p my-new-project --backup-retention 3",
    ],
    (cmd) =>
      optionalStage(projectOption(cmd))
        .alias("stages")
        .option("--name <name>", "a new name")
        .option("-t, --type <type>", "dev, qa or prod")
        .option("--grace <seconds>", "seconds between SIGTERM and SIGKILL on suspend")
        .option("--backup-retention <count>", "ready backups to keep, 1 to 100 (older ones go when the next is ready)"),
    async (ctx, positional) => {
      const slug = stageArg(ctx, positional);
      const grace = parseGrace(ctx.opts.grace);
      const backupRetention = parseBackupRetention(ctx.opts.backupRetention);
      if (!ctx.opts.name && !ctx.opts.type && grace === undefined && backupRetention === undefined)
        throw badInput("nothing to change: give --name, --type, --grace or --backup-retention");
      const { updateStage } = await ctx.client.request(CliUpdateStageDocument, {
        input: {
          project: ctx.opts.project,
          stage: slug,
          ...(ctx.opts.name && { name: ctx.opts.name }),
          ...(ctx.opts.type && { type: parseType(ctx.opts.type) }),
          ...(grace !== undefined && { suspendGraceSeconds: grace }),
          ...(backupRetention !== undefined && { backupRetention }),
        },
      });
      print(ctx.format, updateStage, () => `stage ${updateStage.slug} updated\n${renderStage(updateStage)}`);
    },
  );

  leaf(
    verbs.delete,
    "stage [stage]",
    "Delete a Stage: it is archived (suspended first, storage kept, its ID kept) until restored or purged",
    ["pergola delete stage my-new-stage -p my-new-project"],
    (cmd) => optionalStage(projectOption(cmd)).alias("stages"),
    async (ctx, positional) => {
      const slug = stageArg(ctx, positional);
      const { deleteStage } = await ctx.client.request(CliDeleteStageDocument, { project: ctx.opts.project, stage: slug });
      print(
        ctx.format,
        { deleted: deleteStage, stage: slug },
        () => `stage ${slug} deleted (archived: pergola restore stage ${slug} brings it back)`,
      );
    },
  );

  leaf(
    verbs.restore,
    "stage [stage]",
    "Restore an archived Stage as it was (one that was running runs again)",
    ["pergola restore stage my-new-stage -p my-new-project"],
    (cmd) => optionalStage(projectOption(cmd)).alias("stages"),
    async (ctx, positional) => {
      const { restoreStage } = await ctx.client.request(CliRestoreStageDocument, {
        project: ctx.opts.project,
        stage: stageArg(ctx, positional),
      });
      print(ctx.format, restoreStage, () => `stage ${restoreStage.slug} restored: ${restoreStage.state.toLowerCase()}`);
    },
  );

  leaf(
    verbs.purge,
    "stage [stage]",
    "Remove an archived Stage for good (owners); a PROD Stage asks for its Stage ID again",
    ["pergola purge stage my-new-stage -p my-new-project", "pergola purge stage live -p shop --confirm live   # a PROD Stage"],
    (cmd) =>
      optionalStage(projectOption(cmd)).alias("stages").option("--confirm <stage-id>", "the Stage ID again (required for a PROD Stage)"),
    async (ctx, positional) => {
      const slug = stageArg(ctx, positional);
      await ctx.client.request(CliPurgeStageDocument, { project: ctx.opts.project, stage: slug, confirm: ctx.opts.confirm ?? null });
      print(ctx.format, { purged: true, stage: slug }, () => `stage ${slug} purged`);
    },
  );

  const transitions: [Command, "suspend" | "resume", string, (ctx: Context, slug: string) => Promise<{ slug: string; state: string }>][] = [
    [
      verbs.suspend,
      "suspend",
      "Suspend a Stage: its links answer 503, schedules stop, Components get SIGTERM (SIGKILL after the grace period)",
      (ctx, slug) =>
        confirmedByPolicy(
          ctx.opts.yes,
          `suspend Stage ${slug}`,
          async (confirm) =>
            (await ctx.client.request(CliSuspendStageDocument, { project: ctx.opts.project, stage: slug, confirm })).suspendStage,
        ),
    ],
    [
      verbs.resume,
      "resume",
      "Resume a suspended Stage with the same Release, config and storage",
      async (ctx, slug) => (await ctx.client.request(CliResumeStageDocument, { project: ctx.opts.project, stage: slug })).resumeStage,
    ],
  ];
  for (const [verb, name, doing, run] of transitions) {
    leaf(
      verb,
      "stage [stage]",
      doing,
      [`pergola ${name} stage my-new-stage -p my-new-project`],
      (cmd) => {
        optionalStage(projectOption(cmd)).alias("stages");
        return name === "suspend" ? cmd.option(...YES_OPTION) : cmd;
      },
      async (ctx, positional) => {
        const stage = await run(ctx, stageArg(ctx, positional));
        print(ctx.format, stage, () => `stage ${stage.slug}: ${stage.state.toLowerCase()}`);
      },
    );
  }
}
