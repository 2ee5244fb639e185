/** `list component`, `logs component [--follow]`, `restart/stop/start component`, `run job`. */
import {
  CliComponentLogsDocument,
  CliFollowComponentLogsDocument,
  CliListComponentsDocument,
  CliRestartComponentDocument,
  CliRunJobDocument,
  CliStartComponentDocument,
  CliStopComponentDocument,
  type ComponentRow,
} from "../documents.js";
import { leaf, projectOption, stageOption, type Context } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { followResumable } from "../follow.js";
import type { Verbs } from "../groups.js";
import { lower, print, renderTable } from "../output.js";

export function registerComponents(verbs: Verbs): void {
  leaf(
    verbs.list,
    "component",
    "List the Components of a Stage's Release: kind, state, health, restarts and links",
    ["pergola list component -p my-new-project -s my-new-stage", "pergola list components -p my-new-project -s my-new-stage -o yaml"],
    (cmd) => stageOption(projectOption(cmd)).alias("components"),
    async (ctx) => {
      const { stage } = await ctx.client.request(CliListComponentsDocument, { project: ctx.opts.project, stage: ctx.opts.stage });
      if (!stage) throw new CliError(`not found: Stage "${ctx.opts.stage}" in Project "${ctx.opts.project}"`, ExitCode.NOT_FOUND);
      print(ctx.format, stage.components, () =>
        renderTable(
          ["component", "kind", "state", "health", "restarts", "links"],
          stage.components.map((c) => [
            c.name,
            lower(c.kind),
            `${lower(c.state)}${c.message && (c.state === "FAILED" || c.state === "CRASHLOOP") ? `: ${c.message}` : ""}`,
            c.health === "UNKNOWN" && c.lastKnownHealth ? `unknown (last ${lower(c.lastKnownHealth)})` : lower(c.health),
            c.restarts,
            c.links.join("\n"),
          ]),
          `components (${ctx.opts.project}/${ctx.opts.stage})`,
        ),
      );
    },
  );

  leaf(
    verbs.logs,
    "component <name>",
    "Print a Component's last output lines (stdout and stderr); --follow keeps printing as it changes",
    [
      "pergola logs component web -p my-new-project -s my-new-stage",
      "pergola logs component web -p my-new-project -s my-new-stage --tail 200 --follow",
    ],
    (cmd) =>
      stageOption(projectOption(cmd))
        .alias("components")
        .option("-n, --tail <lines>", "how many of the last lines (at most 200 are kept)", "50")
        .option("-f, --follow", "keep printing new lines as the agent ships them (resumes after a lost connection)"),
    async (ctx, name) => {
      const tail = Number(ctx.opts.tail);
      if (!Number.isInteger(tail) || tail < 0) throw badInput(`--tail ${ctx.opts.tail}: a whole number`);
      const emit = (lines: string[]) => {
        for (const line of lines) {
          if (ctx.format === "table") process.stdout.write(`${line}\n`);
          else print(ctx.format, { component: name, line }, () => line);
        }
      };
      if (ctx.opts.follow) {
        // The last lines first, then each batch the agent ships, resumed by cursor after a drop.
        const variables = { project: ctx.opts.project, stage: ctx.opts.stage, component: name, tail: Math.min(tail, 200), after: null };
        await followResumable(ctx.client, CliFollowComponentLogsDocument, variables, ({ componentLogs }) => {
          emit(componentLogs.lines);
          return componentLogs.cursor;
        });
        return;
      }
      const data = await ctx.client.request(CliComponentLogsDocument, { project: ctx.opts.project, stage: ctx.opts.stage, tail });
      if (!data.stage) throw new CliError(`not found: Stage "${ctx.opts.stage}" in Project "${ctx.opts.project}"`, ExitCode.NOT_FOUND);
      const component = data.stage.components.find((c) => c.name === name);
      if (!component) throw new CliError(`not found: Component "${name}" on Stage "${ctx.opts.stage}"`, ExitCode.NOT_FOUND);
      emit(component.logs);
    },
  );

  registerComponentControl(verbs);
}

type ControlRun = (ctx: Context, component: string) => Promise<ComponentRow>;

/**
 * restartComponent, stopComponent, startComponent, runJob. Each asks the Stage's agent to act
 * and prints the Component as the API has it then: its state moves once the agent has acted
 * (`pergola list component` or `watch stage` show it).
 */
function registerComponentControl(verbs: Verbs): void {
  const vars = (ctx: Context, component: string) => ({ project: ctx.opts.project, stage: ctx.opts.stage, component });
  const commands: [typeof verbs.stop, string, string, string, ControlRun][] = [
    [
      verbs.restart,
      "component",
      "restart",
      "Restart a service: its agent stops the process (SIGTERM, SIGKILL after the grace period) and starts a new one",
      async (ctx, c) => (await ctx.client.request(CliRestartComponentDocument, vars(ctx, c))).restartComponent,
    ],
    [
      verbs.stop,
      "component",
      "stop",
      "Stop a service: it stays stopped (its links answer 503), also when the agent restarts, until started or a new Release",
      async (ctx, c) => (await ctx.client.request(CliStopComponentDocument, vars(ctx, c))).stopComponent,
    ],
    [
      verbs.start,
      "component",
      "start",
      "Start a service that was stopped",
      async (ctx, c) => (await ctx.client.request(CliStartComponentDocument, vars(ctx, c))).startComponent,
    ],
    [
      verbs.run,
      "job",
      "run",
      "Run a job (again) or a cron job now, as its schedule would",
      async (ctx, c) => (await ctx.client.request(CliRunJobDocument, vars(ctx, c))).runJob,
    ],
  ];
  for (const [verb, noun, name, doing, run] of commands) {
    leaf(
      verb,
      `${noun} <name>`,
      doing,
      [`pergola ${name} ${noun} ${noun === "job" ? "migrate" : "web"} -p my-new-project -s my-new-stage`],
      (cmd) => stageOption(projectOption(cmd)).alias(`${noun}s`),
      async (ctx, component) => {
        const row = await run(ctx, component!);
        print(ctx.format, row, () => `${noun} ${row.name}: ${name} requested (${lower(row.state)} until its agent acts)`);
      },
    );
  }
}
