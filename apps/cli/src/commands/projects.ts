/** `create project`, `list project`. */
import { CliCreateProjectDocument, CliListProjectsDocument } from "../documents.js";
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
    (cmd) => limitOption(cmd.alias("projects")),
    async (ctx) => {
      const projects = await readPages(
        async (first, after) => (await ctx.client.request(CliListProjectsDocument, { first, after })).projectsConnection,
        parseLimit(ctx.opts.limit),
      );
      print(ctx.format, projects, () =>
        renderTable(
          ["project", "name", "stages", "created"],
          projects.map((p) => [p.slug, p.name, p.stages.length, ago(p.createdAt)]),
          "projects",
        ),
      );
    },
  );
}
