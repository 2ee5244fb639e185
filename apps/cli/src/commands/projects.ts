/** `create project`, `list project [--archived|--all]`, `delete project`, `restore project`. */
import {
  CliCreateProjectDocument,
  CliDeleteProjectDocument,
  CliListArchivedProjectsDocument,
  CliListProjectsDocument,
  CliRestoreProjectDocument,
} from "../documents.js";
import { badInput } from "../errors.js";
import { leaf } from "../command.js";
import type { Verbs } from "../groups.js";
import { ago, print, renderTable } from "../output.js";
import { limitOption, parseLimit, readPages } from "../pages.js";

export function registerProjects(verbs: Verbs): void {
  leaf(
    verbs.create,
    "project <name>",
    "Create a Project; its ID is derived from the name unless --id is given",
    ["pergola create project my-new-project", 'pergola create project "My New Project" --id shop'],
    (cmd) => cmd.alias("projects").option("--id <project-id>", "the Project's ID (slug); default: derived from the name"),
    async (ctx, name) => {
      const { createProject } = await ctx.client.request(CliCreateProjectDocument, {
        input: { name: name!, ...(ctx.opts.id && { slug: ctx.opts.id }) },
      });
      print(ctx.format, createProject, () => `project ${createProject.slug} created`);
    },
  );

  leaf(
    verbs.list,
    "project",
    "List the Projects your access key may see",
    ["pergola list project", "pergola list project --limit 20 -o json"],
    (cmd) =>
      limitOption(cmd.alias("projects"))
        .option("--archived", "only the archived (deleted) Projects")
        .option("--all", "the Projects in use and the archived ones"),
    async (ctx) => {
      if (ctx.opts.archived && ctx.opts.all) throw badInput("--archived and --all: give one of them");
      const inUse = ctx.opts.archived
        ? []
        : await readPages(
            async (first, after) => (await ctx.client.request(CliListProjectsDocument, { first, after })).projectsConnection,
            parseLimit(ctx.opts.limit),
          );
      const archived = ctx.opts.archived || ctx.opts.all ? (await ctx.client.request(CliListArchivedProjectsDocument, {})).projects : [];
      // As JSON: the Projects as read (those in use with their Stages), each with `archivedAt`.
      const data = [...inUse.map((p) => ({ ...p, archivedAt: null as string | null })), ...archived];
      const rows = [
        ...inUse.map((p) => ({
          slug: p.slug,
          name: p.name,
          stages: p.stages.length,
          createdAt: p.createdAt,
          archivedAt: null as string | null,
        })),
        ...archived.map((p) => ({ slug: p.slug, name: p.name, stages: null, createdAt: p.createdAt, archivedAt: p.archivedAt })),
      ];
      print(ctx.format, data, () =>
        renderTable(
          ["project", "name", "stages", "created", ...(archived.length || ctx.opts.all ? ["archived"] : [])],
          rows.map((p) => [
            p.slug,
            p.name,
            p.stages ?? "-",
            ago(p.createdAt),
            ...(archived.length || ctx.opts.all ? [p.archivedAt ? ago(p.archivedAt) : "-"] : []),
          ]),
          ctx.opts.archived ? "projects (archived)" : "projects",
        ),
      );
    },
  );

  leaf(
    verbs.delete,
    "project <project>",
    "Delete a Project: it is archived with its Stages (running ones suspended, storage kept) until restored",
    ["pergola delete project my-new-project"],
    (cmd) => cmd.alias("projects"),
    async (ctx, slug) => {
      await ctx.client.request(CliDeleteProjectDocument, { project: slug! });
      print(
        ctx.format,
        { deleted: true, project: slug },
        () => `project ${slug} deleted (archived: pergola restore project ${slug} brings it back)`,
      );
    },
  );

  leaf(
    verbs.restore,
    "project <project>",
    "Restore an archived Project, with the Stages archived with it",
    ["pergola restore project my-new-project"],
    (cmd) => cmd.alias("projects"),
    async (ctx, slug) => {
      const { restoreProject } = await ctx.client.request(CliRestoreProjectDocument, { project: slug! });
      print(ctx.format, restoreProject, () => `project ${restoreProject.slug} restored`);
    },
  );
}
