/** `events -p P [--follow] [--after CURSOR]`, `watch stage -p P`, `watch health`. */
import type { Command } from "commander";
import { CliEventsDocument, CliHealthChangedDocument, CliProjectCursorDocument, type CliEventsSubscription } from "../documents.js";
import { leaf, projectOption, type Context } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { followResumable } from "../follow.js";
import type { Verbs } from "../groups.js";
import { lower, printRecord } from "../output.js";
import { renderFleetHealth, renderStages, type FleetStage } from "../views.js";
import { formatSize } from "./backups.js";
import { listStages } from "./stages.js";

type ProjectEvent = CliEventsSubscription["events"];

/** `#12  2026-05-01T10:00:00.000Z  release_state_changed  stage dev  release #3 deployed`. */
export function describeEvent(e: ProjectEvent): string {
  const { subject } = e;
  const parts = [`#${e.cursor}`, e.at, lower(e.kind)];
  const stage = e.stage?.slug ?? getStageSlug(subject);
  const aboutStage =
    subject?.__typename !== "ReleaseSnapshot" && subject?.__typename !== "ComponentSnapshot" && subject?.__typename !== "BackupSnapshot";
  if (stage) parts.push(`stage ${stage}${e.stage && aboutStage ? ` ${lower(e.stage.state)}` : ""}`);
  if (subject?.__typename === "ReleaseSnapshot")
    parts.push(`release #${subject.number} ${lower(subject.releaseState)}${subject.message ? ` (${subject.message})` : ""}`);
  if (subject?.__typename === "ComponentSnapshot")
    parts.push(
      subject.command
        ? `component ${subject.name}: ${lower(subject.command)} requested`
        : `component ${subject.name} ${lower(subject.componentState)}/${lower(subject.health)}`,
    );
  if (subject?.__typename === "BackupSnapshot") parts.push(describeBackup(subject));
  return parts.join("  ");
}

/** `backup "nightly" ready (2.1 MiB)`, `backup "nightly" failed: disk full`, `backup "nightly" restore done`. */
function describeBackup(b: Extract<NonNullable<ProjectEvent["subject"]>, { __typename: "BackupSnapshot" }>): string {
  const head = `backup "${b.displayName}" ${lower(b.backupState)}`;
  if (b.backupState === "FAILED") return `${head}${b.message ? `: ${b.message}` : ""}`;
  const size = b.backupState === "READY" ? ` (${formatSize(b.size)})` : "";
  const restore = b.restoreState ? `, restore ${lower(b.restoreState)}${b.restoreMessage ? `: ${b.restoreMessage}` : ""}` : "";
  return `${head}${size}${restore}`;
}

/** The Stage an event's subject belongs to, also when it has been deleted since (then `stage` is null). */
function getStageSlug(subject: ProjectEvent["subject"]): string | undefined {
  if (!subject) return undefined;
  return subject.__typename === "StageSnapshot" ? subject.slug : subject.stage.slug;
}

async function projectCursor(ctx: Context, project: string): Promise<string> {
  const { project: found } = await ctx.client.request(CliProjectCursorDocument, { project });
  if (!found) throw new CliError(`not found: Project "${project}"`, ExitCode.NOT_FOUND);
  return found.cursor;
}

export function registerWatching(program: Command, verbs: Verbs): void {
  leaf(
    program,
    "events",
    "Print a Project's events in commit order: the kept log (or what follows --after), then with --follow every new one",
    [
      "pergola events -p my-new-project",
      "pergola events -p my-new-project --follow --after 42   # resumes right after event 42: nothing missed, nothing twice",
      "pergola events -p my-new-project --follow -o json | jq .kind",
    ],
    (cmd) =>
      projectOption(cmd)
        .option("-f, --follow", "keep printing new events (reconnects and resumes after the last one)")
        .option("--after <cursor>", "start right after this event's cursor"),
    async (ctx) => {
      const project: string = ctx.opts.project;
      const after: string = ctx.opts.after ?? "0";
      if (!/^\d+$/.test(after)) throw badInput(`--after ${after}: a cursor is a number, as printed by pergola events`);
      const now = BigInt(await projectCursor(ctx, project));
      if (BigInt(after) > now) throw badInput(`--after ${after} is ahead of the Project's log (its newest event is ${now})`);
      if (!ctx.opts.follow && BigInt(after) === now) return;
      await followResumable(ctx.client, CliEventsDocument, { project, after }, ({ events }) => {
        printRecord(ctx.format, events, () => describeEvent(events));
        return !ctx.opts.follow && BigInt(events.cursor) >= now ? "stop" : events.cursor;
      });
    },
  );

  leaf(
    verbs.watch,
    "stage",
    "A live table of a Project's Stages, redrawn on every change (Ctrl-C to stop)",
    ["pergola watch stage -p my-new-project", "pergola watch stage -p my-new-project -o json   # one JSON line per change"],
    (cmd) => projectOption(cmd).alias("stages"),
    async (ctx) => {
      const project: string = ctx.opts.project;
      // The cursor first, then the list: whatever changes in between is replayed (list+watch).
      const after = await projectCursor(ctx, project);
      const listed = await listStages(ctx, project);
      const rows = new Map(listed.map((s) => [s.slug, s]));
      const tty = ctx.format === "table" && process.stdout.isTTY;
      const draw = () => {
        const stages = [...rows.values()].sort((a, b) => a.slug.localeCompare(b.slug));
        if (tty) process.stdout.write("\x1b[H\x1b[2J");
        printRecord(ctx.format, stages, () => `${renderStages(project, stages)}\n${tty ? "watching; Ctrl-C to stop" : ""}`);
      };
      draw();
      await followResumable(ctx.client, CliEventsDocument, { project, after }, ({ events }) => {
        const slug = events.stage?.slug ?? getStageSlug(events.subject);
        if (events.kind === "STAGE_DELETED" && slug) rows.delete(slug);
        else if (events.stage) rows.set(events.stage.slug, events.stage);
        else return events.cursor;
        draw();
        return events.cursor;
      });
    },
  );

  leaf(
    verbs.watch,
    "health",
    "A live table of the health of every Stage you may see, in all Projects, redrawn on every change (Ctrl-C to stop)",
    ["pergola watch health", "pergola watch health -o json   # one JSON line per event: the SNAPSHOT, then each change"],
    (cmd) => cmd,
    async (ctx) => {
      const rows = new Map<string, FleetStage>();
      const tty = ctx.format === "table" && process.stdout.isTTY;
      // Every (re)subscription starts with a SNAPSHOT: the table is redrawn from it, so nothing is missed while away.
      await followResumable(ctx.client, CliHealthChangedDocument, {}, ({ healthChanged: event }) => {
        if (ctx.format !== "table") {
          printRecord(ctx.format, event, () => "");
          return "";
        }
        if (event.kind === "SNAPSHOT") rows.clear();
        for (const stage of event.stages) {
          const key = `${stage.project}/${stage.stage}`;
          if (event.kind === "STAGE_REMOVED") rows.delete(key);
          else rows.set(key, stage);
        }
        if (tty) process.stdout.write("\x1b[H\x1b[2J");
        const stages = [...rows.values()].sort((a, b) => a.project.localeCompare(b.project) || a.stage.localeCompare(b.stage));
        process.stdout.write(`${renderFleetHealth(stages)}\n${tty ? "watching; Ctrl-C to stop\n" : ""}`);
        return "";
      });
    },
  );
}
