/** `top -p P -s S`: each Component's CPU, memory and open files, redrawn as its agent ships samples (every 10 s). */
import type { Command } from "commander";
import { CliComponentMetricsDocument, CliTopDocument, type CliTopQuery } from "../documents.js";
import { leaf, projectOption, stageOption, type Context } from "../command.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { followResumable } from "../follow.js";
import { lower, printRecord, renderTable } from "../output.js";

type TopComponent = NonNullable<CliTopQuery["stage"]>["components"][number];
type Usage = NonNullable<TopComponent["usage"]>;

/** Cores as a percentage of one; bytes in binary units. */
export function formatCpu(cores: number): string {
  return `${(cores * 100).toFixed(1)}%`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function renderTop(project: string, stage: string, components: TopComponent[], usage: Map<string, Usage>): string {
  const rows = components.map((c) => {
    const u = usage.get(c.name) ?? c.usage;
    return [
      c.name,
      lower(c.kind),
      lower(c.state),
      lower(c.health),
      String(c.restarts),
      u ? formatCpu(u.cpu) : "-",
      u ? formatBytes(Number(u.memoryBytes)) : "-",
      u ? String(u.openFiles) : "-",
    ];
  });
  return renderTable(["component", "kind", "state", "health", "restarts", "cpu", "memory", "files"], rows, `top (${project}/${stage})`);
}

async function readComponents(ctx: Context, project: string, stage: string): Promise<TopComponent[]> {
  const { stage: found } = await ctx.client.request(CliTopDocument, { project, stage });
  if (!found) throw new CliError(`not found: Stage "${stage}" in Project "${project}"`, ExitCode.NOT_FOUND);
  return found.components;
}

export function registerTop(program: Command): void {
  leaf(
    program,
    "top",
    "Each Component's CPU, memory and open files, redrawn as its agent ships samples (every 10 s; Ctrl-C to stop)",
    ["pergola top -p my-new-project -s my-new-stage", "pergola top -p my-new-project -s my-new-stage -o json   # one JSON line per batch"],
    (cmd) => stageOption(projectOption(cmd)),
    async (ctx) => {
      const { project, stage } = ctx.opts as { project: string; stage: string };
      let components = await readComponents(ctx, project, stage);
      const usage = new Map<string, Usage>();
      const tty = ctx.format === "table" && process.stdout.isTTY;
      const draw = () => {
        if (tty) process.stdout.write("\x1b[H\x1b[2J");
        const rows = components.map((c) => ({ ...c, usage: usage.get(c.name) ?? c.usage }));
        printRecord(
          ctx.format,
          rows,
          () => `${renderTop(project, stage, components, usage)}${tty ? "\nrefreshing every 10 s; Ctrl-C to stop" : ""}`,
        );
      };
      // The first message of the subscription (the newest samples) draws the table; each batch redraws it,
      // with the Components' states and restarts read again.
      await followResumable(ctx.client, CliComponentMetricsDocument, { project, stage }, async ({ componentMetrics }) => {
        for (const { component, usage: u } of componentMetrics.samples) usage.set(component, u);
        components = await readComponents(ctx, project, stage);
        draw();
        return "";
      });
    },
  );
}
