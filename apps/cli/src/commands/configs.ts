/** `add config-data`, `remove config-data`, `list config`, `list config-data`. */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import {
  CliAddConfigDataDocument,
  CliGetConfigurationDocument,
  CliListConfigsDocument,
  CliRemoveConfigDataDocument,
  type ConfigurationRow,
} from "../documents.js";
import { leaf, projectOption, stageOption } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { ago, lower, print, renderTable } from "../output.js";

const MASK = "********";
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `K=V` → [K, V]; the value may contain `=`. */
export function parseAssignment(flag: string, text: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw badInput(`${flag} ${text}: expected NAME=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** `--file PATH` (named after the file) or `--file NAME=PATH`. */
export function parseFileFlag(text: string): { name: string; path: string } {
  const at = text.indexOf("=");
  const [name, path] = at > 0 ? [text.slice(0, at), text.slice(at + 1)] : [basename(text), text];
  return { name, path };
}

function parseExpected(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badInput(`--expected-version ${value}: a whole number`);
  return Number(value);
}

const expectedOption = (cmd: Command) =>
  cmd.option(
    "--expected-version <n>",
    "fail with a conflict (exit 6) unless the Configuration is at this version (0: it must not exist yet)",
  );

function summary(config: ConfigurationRow): string {
  return `config ${config.name} is at version ${config.version} (${config.data.length} ${config.data.length === 1 ? "entry" : "entries"}); it takes effect with the next release`;
}

export function registerConfigs(verbs: Verbs): void {
  leaf(
    verbs.add,
    "config-data [config]",
    "Add or replace env entries and files of a Stage's Configuration (default: default); takes effect with the next Release",
    [
      "pergola add config-data -p my-new-project -s my-new-stage --env GREETING='Hello from Pergola'",
      "pergola add config-data my-new-config -p my-new-project -s my-new-stage --env foo=bar --secret DB_PASSWORD=s3cr3t --file ./config.json",
      "pergola add config-data -p my-new-project -s my-new-stage --file config/app.json=./app.json --expected-version 3",
    ],
    (cmd) =>
      expectedOption(
        stageOption(projectOption(cmd))
          .option("--env <name=value>", "an env entry (repeatable)", collect)
          .option("--secret <name=value>", "a secret env entry, write-only (repeatable)", collect)
          .option("--file <[name=]path>", "a file's content, named after the file unless NAME= is given (repeatable)", collect)
          .option("--secret-file <[name=]path>", "a secret file (repeatable)", collect),
      ),
    async (ctx, config = "default") => {
      const env = [
        ...((ctx.opts.env as string[] | undefined) ?? [])
          .map((t) => parseAssignment("--env", t))
          .map(([name, value]) => ({ name, value, secret: false })),
        ...((ctx.opts.secret as string[] | undefined) ?? [])
          .map((t) => parseAssignment("--secret", t))
          .map(([name, value]) => ({ name, value, secret: true })),
      ];
      const readFile = (text: string, secret: boolean) => {
        const { name, path } = parseFileFlag(text);
        try {
          return { name, content: readFileSync(path, "utf8"), secret };
        } catch {
          throw badInput(`--file ${text}: cannot read ${path}`);
        }
      };
      const files = [
        ...((ctx.opts.file as string[] | undefined) ?? []).map((t) => readFile(t, false)),
        ...((ctx.opts.secretFile as string[] | undefined) ?? []).map((t) => readFile(t, true)),
      ];
      if (env.length === 0 && files.length === 0) throw badInput("nothing to add: give --env, --secret, --file or --secret-file");
      const expectedVersion = parseExpected(ctx.opts.expectedVersion);
      const { addConfigData } = await ctx.client.request(CliAddConfigDataDocument, {
        input: {
          project: ctx.opts.project,
          stage: ctx.opts.stage,
          configuration: config,
          env,
          files,
          ...(expectedVersion !== undefined && { expectedVersion }),
        },
      });
      print(ctx.format, addConfigData, () => summary(addConfigData));
    },
  );

  leaf(
    verbs.remove,
    "config-data [config]",
    "Remove entries (env entries and files, by name) from a Stage's Configuration; takes effect with the next Release",
    [
      "pergola remove config-data -p my-new-project -s my-new-stage --env GREETING",
      "pergola remove config-data my-new-config -p my-new-project -s my-new-stage --file config.json --env foo",
    ],
    (cmd) =>
      expectedOption(
        stageOption(projectOption(cmd))
          .option("--env <name>", "an env entry to remove (repeatable)", collect)
          .option("--file <name>", "a file to remove (repeatable)", collect),
      ),
    async (ctx, config = "default") => {
      const names = [...((ctx.opts.env as string[] | undefined) ?? []), ...((ctx.opts.file as string[] | undefined) ?? [])];
      if (names.length === 0) throw badInput("nothing to remove: give --env NAME or --file NAME");
      const expectedVersion = parseExpected(ctx.opts.expectedVersion);
      const { removeConfigData } = await ctx.client.request(CliRemoveConfigDataDocument, {
        input: {
          project: ctx.opts.project,
          stage: ctx.opts.stage,
          configuration: config,
          names,
          ...(expectedVersion !== undefined && { expectedVersion }),
        },
      });
      print(ctx.format, removeConfigData, () => summary(removeConfigData));
    },
  );

  leaf(
    verbs.list,
    "config",
    "List a Stage's Configurations (newest versions) and whether the running Release is behind them",
    ["pergola list config -p my-new-project -s my-new-stage"],
    (cmd) => stageOption(projectOption(cmd)).alias("configs"),
    async (ctx) => {
      const { stage } = await ctx.client.request(CliListConfigsDocument, { project: ctx.opts.project, stage: ctx.opts.stage });
      if (!stage) throw new CliError(`not found: Stage "${ctx.opts.stage}" in Project "${ctx.opts.project}"`, ExitCode.NOT_FOUND);
      const configs = stage.configs.map(({ data, ...c }) => ({ ...c, entries: data.length }));
      print(ctx.format, { configDrift: stage.configDrift, configs }, () =>
        [
          renderTable(
            ["config", "version", "entries", "updated"],
            configs.map((c) => [c.name, c.version, c.entries, ago(c.updatedAt)]),
            `configs (${ctx.opts.project}/${ctx.opts.stage})`,
          ),
          ...(stage.configDrift ? ["The running release is behind its config: pergola push release … -c <config> deploys it."] : []),
        ].join("\n"),
      );
    },
  );

  leaf(
    verbs.list,
    "config-data [config]",
    "List the entries of a Configuration (default: default); values only with --with-values, secrets always masked",
    [
      "pergola list config-data my-new-config -p my-new-project -s my-new-stage",
      "pergola list config-data -p my-new-project -s my-new-stage --with-values",
    ],
    (cmd) => stageOption(projectOption(cmd)).option("--with-values", "show the values (secrets stay masked: they are write-only)"),
    async (ctx, name = "default") => {
      const { configuration } = await ctx.client.request(CliGetConfigurationDocument, {
        project: ctx.opts.project,
        stage: ctx.opts.stage,
        configuration: name,
      });
      if (!configuration) throw new CliError(`not found: Configuration "${name}" of Stage "${ctx.opts.stage}"`, ExitCode.NOT_FOUND);
      const withValues = Boolean(ctx.opts.withValues);
      const data = configuration.data.map((d) => ({
        name: d.name,
        kind: d.kind,
        secret: d.secret,
        ...(withValues && { value: d.secret ? MASK : d.value }),
      }));
      print(ctx.format, { name: configuration.name, version: configuration.version, data }, () =>
        renderTable(
          ["name", "kind", "secret", ...(withValues ? ["value"] : [])],
          data.map((d) => [d.name, lower(d.kind), d.secret ? "yes" : "no", ...(withValues ? [oneLine(d.value ?? "")] : [])]),
          `config-data ${configuration.name} v${configuration.version} (${ctx.opts.project}/${ctx.opts.stage})`,
        ),
      );
    },
  );
}

function oneLine(value: string): string {
  const line = value.replace(/\n/g, "\\n");
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
