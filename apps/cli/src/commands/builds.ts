/** `validate manifest`, `push build`, `list build`. */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { CliCreateBuildDocument, CliListBuildsDocument, CliValidateManifestDocument } from "../documents.js";
import { leaf, projectOption } from "../command.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { findManifest, readManifest } from "../manifest.js";
import { packDirectory } from "../pack.js";
import { ago, lower, print, renderTable } from "../output.js";
import { historyLimit, historyOptions, readPages } from "../pages.js";

export function registerBuilds(verbs: Verbs): void {
  leaf(
    verbs.validate,
    "manifest [path]",
    "Check a pergola.yaml (or .yml, .json) v1 manifest: every problem with its path; exits 2 when invalid",
    ["pergola validate manifest", "pergola validate manifest examples/hello", "pergola validate manifest ./pergola.yaml -o json"],
    (cmd) => cmd.alias("manifests"),
    async (ctx, path) => {
      const file = findManifest(path ?? ".");
      const { validateManifest } = await ctx.client.request(CliValidateManifestDocument, { manifest: readManifest(file) });
      print(ctx.format, { file, ...validateManifest }, () =>
        validateManifest.valid
          ? `${file}: valid`
          : [
              `${file}: ${validateManifest.problems.length} problem(s)`,
              ...validateManifest.problems.map((p) => `  ${p.path || "(document)"}: ${p.message}`),
            ].join("\n"),
      );
      if (!validateManifest.valid) process.exitCode = ExitCode.BAD_INPUT;
    },
  );

  leaf(
    verbs.push,
    "build",
    "Pack a directory (honouring .gitignore), upload it and register a Build with its manifest; prints the Build's name",
    ["pergola push build -p my-new-project", "pergola push build -p my-new-project --dir examples/hello --branch master   # → master_b1"],
    (cmd) =>
      projectOption(cmd)
        .alias("builds")
        .option("-d, --dir <dir>", "the application's directory, with its pergola.yaml", ".")
        .option("-b, --branch <branch>", "names the Build <branch>_b<n>; default: the directory's git branch")
        .option("--name <name>", "the Build's name, instead of the derived one"),
    async (ctx) => {
      const dir = resolve(ctx.opts.dir);
      const manifest = readManifest(findManifest(dir));
      const branch: string | undefined = ctx.opts.branch ?? (await gitBranch(dir));
      const { bytes, files } = await packDirectory(dir);
      if (files.length === 0) throw new CliError(`${dir} has no files to push`, ExitCode.BAD_INPUT);
      const artifact = await ctx.client.uploadArtifact(bytes, ctx.opts.project);
      const { createBuild } = await ctx.client.request(CliCreateBuildDocument, {
        input: {
          project: ctx.opts.project,
          manifest,
          artifact: artifact.sha256,
          ...(branch && { branch }),
          ...(ctx.opts.name && { name: ctx.opts.name }),
        },
      });
      print(ctx.format, { ...createBuild, files: files.length }, () => createBuild.name);
    },
  );

  leaf(
    verbs.list,
    "build",
    "List a Project's Builds, newest first",
    ["pergola list build -p my-new-project", "pergola list build -p my-new-project --limit 5 -o json"],
    (cmd) => historyOptions(projectOption(cmd).alias("builds")),
    async (ctx) => {
      const project: string = ctx.opts.project;
      const builds = await readPages(
        async (first, after) => (await ctx.client.request(CliListBuildsDocument, { project, first, after })).buildsConnection,
        historyLimit(ctx.opts),
      );
      print(ctx.format, builds, () =>
        renderTable(
          ["build", "branch", "created", "size", "status"],
          builds.map((b) => [
            b.name,
            b.branch,
            `${ago(b.createdAt)} by ${b.author.name}`,
            `${Math.ceil(Number(b.artifact.byteSize) / 1024)} KiB`,
            lower(b.status),
          ]),
          `builds (${ctx.opts.project})`,
        ),
      );
    },
  );
}

/** The directory's git branch, if it is in a work tree on a branch. */
async function gitBranch(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("git", ["-C", dir, "rev-parse", "--abbrev-ref", "HEAD"], { timeout: 5000 });
    const branch = stdout.trim();
    return branch && branch !== "HEAD" ? branch : undefined;
  } catch {
    return undefined;
  }
}
