/** `push release`, `list release`, `promote release`, `rollback stage`. */
import type { Command } from "commander";
import {
  CliDeployReleaseDocument,
  CliListBuildsDocument,
  CliListReleasesDocument,
  CliProjectCursorDocument,
  CliPromoteReleaseDocument,
  CliRollbackStageDocument,
  type ReleaseRow,
} from "../documents.js";
import { leaf, projectOption, stageOption, type Context } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { parseDuration, print } from "../output.js";
import { renderRelease, renderReleases } from "../views.js";
import { waitForRelease } from "../wait.js";
import { confirmedByPolicy, YES_OPTION } from "../confirm.js";
import { stageArg } from "./stages.js";
import { historyLimit, historyOptions, readPages } from "../pages.js";

const waitOptions = (cmd: Command) =>
  cmd
    .option(...YES_OPTION)
    .option("-w, --wait", "wait until the Release is deployed (exit 0) or failed (exit 10)")
    .option("--timeout <duration>", "with --wait: give up after this long (exit 11), e.g. 90s, 5m", "5m");

/** Reads the cursor, runs the mutation, then (with --wait) follows the Release from that cursor. */
async function release(ctx: Context, project: string, stage: string, deploy: () => Promise<ReleaseRow>): Promise<void> {
  const timeoutMs = parseDuration(ctx.opts.timeout);
  const cursor = ctx.opts.wait ? (await ctx.client.request(CliProjectCursorDocument, { project })).project?.cursor : undefined;
  if (ctx.opts.wait && cursor === undefined) throw new CliError(`not found: Project "${project}"`, ExitCode.NOT_FOUND);
  const made = await deploy();
  if (!ctx.opts.wait) {
    print(ctx.format, made, () => renderRelease(made));
    return;
  }
  const result = await waitForRelease(ctx.client, { project, stage, after: cursor!, release: made }, timeoutMs, ctx.format);
  const final = { ...made, state: result.state, message: result.message };
  print(ctx.format, final, () => renderRelease(final));
  if (result.state !== "DEPLOYED") process.exitCode = ExitCode.RELEASE_FAILED;
}

export function registerReleases(verbs: Verbs): void {
  leaf(
    verbs.push,
    "release",
    "Deploy a Build and/or Configuration to a Stage as a new Release (default: the newest Build)",
    [
      "pergola push release -s my-new-stage -p my-new-project -b master_b1",
      "pergola push release -s my-new-stage -p my-new-project -b master_b1 --wait --timeout 2m",
      "pergola push release -s my-new-stage -p my-new-project -c default   # the same Build with the newest config",
    ],
    (cmd) =>
      waitOptions(
        stageOption(projectOption(cmd))
          .alias("releases")
          .option("-b, --build <build>", "the Build's name (default: the newest Build, unless -c is given)")
          .option("-c, --config <config>", "the Configuration's name (default: the current Release's)"),
      ),
    async (ctx) => {
      const { project, stage } = ctx.opts as { project: string; stage: string };
      parseDuration(ctx.opts.timeout); // a bad --timeout fails before anything is deployed
      let build: string | undefined = ctx.opts.build;
      if (!build && !ctx.opts.config) {
        const { buildsConnection } = await ctx.client.request(CliListBuildsDocument, { project, first: 1 });
        build = buildsConnection.edges[0]?.node.name;
        if (!build) throw badInput(`Project "${project}" has no Build yet: pergola push build -p ${project}`);
      }
      const doing = `deploy ${build ? `Build ${build}` : `Configuration ${ctx.opts.config}`} to Stage ${stage}`;
      await release(ctx, project, stage, () =>
        confirmedByPolicy(ctx.opts.yes, doing, async (confirm) => {
          const input = { project, stage, ...(build && { build }), ...(ctx.opts.config && { configuration: ctx.opts.config }), confirm };
          return (await ctx.client.request(CliDeployReleaseDocument, { input })).deployRelease;
        }),
      );
    },
  );

  leaf(
    verbs.list,
    "release",
    "List a Stage's Releases, newest first",
    ["pergola list release -p my-new-project -s my-new-stage", "pergola list releases -p my-new-project -s my-new-stage --all -o json"],
    (cmd) => historyOptions(stageOption(projectOption(cmd)).alias("releases")),
    async (ctx) => {
      const { project, stage } = ctx.opts as { project: string; stage: string };
      const releases = await readPages(
        async (first, after) => (await ctx.client.request(CliListReleasesDocument, { project, stage, first, after })).releasesConnection,
        historyLimit(ctx.opts),
      );
      print(ctx.format, releases, () => renderReleases(ctx.opts.project, ctx.opts.stage, releases));
    },
  );

  leaf(
    verbs.promote,
    "release",
    "Deploy the Build live on one Stage to another; each Stage keeps its own Configuration",
    [
      "pergola promote release -p my-new-project --from dev --to qa",
      "pergola promote release -p my-new-project --from qa --to prod --wait",
    ],
    (cmd) =>
      waitOptions(
        projectOption(cmd)
          .alias("releases")
          .requiredOption("--from <stage>", "the Stage whose Build is promoted")
          .requiredOption("--to <stage>", "the Stage it is deployed to"),
      ),
    async (ctx) => {
      const { project, from, to } = ctx.opts as { project: string; from: string; to: string };
      await release(ctx, project, to, () =>
        confirmedByPolicy(
          ctx.opts.yes,
          `promote the Build of Stage ${from} to Stage ${to}`,
          async (confirm) => (await ctx.client.request(CliPromoteReleaseDocument, { project, from, to, confirm })).promoteRelease,
        ),
      );
    },
  );

  leaf(
    verbs.rollback,
    "stage [stage]",
    "Redeploy the Build of the Release before the current one",
    ["pergola rollback stage -p my-new-project -s my-new-stage", "pergola rollback stage my-new-stage -p my-new-project --wait"],
    (cmd) => waitOptions(projectOption(cmd).alias("stages").option("-s, --stage <stage>", "the Stage ID (or as the argument)")),
    async (ctx, positional) => {
      const project: string = ctx.opts.project;
      const slug = stageArg(ctx, positional);
      await release(ctx, project, slug, () =>
        confirmedByPolicy(
          ctx.opts.yes,
          `roll Stage ${slug} back`,
          async (confirm) => (await ctx.client.request(CliRollbackStageDocument, { project, stage: slug, confirm })).rollbackStage,
        ),
      );
    },
  );
}
