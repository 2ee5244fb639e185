import type { ProjectRow } from "@pergola/db/schema";
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { formatCursor } from "../events/cursor.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { renamedTo, requiredRenamed } from "../graphql/renamed-argument.js";
import { Stage } from "../stages/stage.type.js";
import { CreateProjectInput } from "./project.input.js";
import { streamProjects } from "./project-stream.js";
import { Project, ProjectConnection } from "./project.type.js";
import { PageArgs } from "../graphql/connection.type.js";
import { Member } from "./member.type.js";
import { toMember } from "./member.resolver.js";

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => [Project], {
    description:
      "The Projects the caller may see (admins: all), oldest first: those in use, or with `archived: true` the archived (deleted) ones.",
  })
  projects(
    @Arg("archived", () => Boolean, { nullable: true, description: "True: only the archived Projects; false or unset: only those in use." })
    archived: boolean | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Project[]> {
    return services.projects.listProjects(actor, Boolean(archived));
  }

  @Query(() => ProjectConnection, {
    description: "The Projects the caller may see (admins: all) a page at a time, oldest first (as `projects`).",
  })
  async projectsConnection(@Args(() => PageArgs) args: PageArgs, @Ctx() { actor, services }: Context): Promise<ProjectConnection> {
    return (await services.projects.listProjectPage(actor, args)) as unknown as ProjectConnection;
  }

  @Query(() => Project, { nullable: true, description: "One Project; null when there is none of that slug or the caller may not see it." })
  project(
    @Arg("project", () => String, { nullable: true, description: `${ArgDoc.project} Required (or \`slug\`).` }) project: string | null,
    @Arg("slug", () => String, { nullable: true, description: ArgDoc.project, deprecationReason: renamedTo("project") }) slug:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ): Promise<Project | null> {
    return services.projects.findProject(actor, requiredRenamed({ project }, { slug }));
  }

  @Mutation(() => Project, { description: "A new Project, owned by the caller; a taken slug is a CONFLICT with a free `suggestion`." })
  createProject(
    @Arg("input", () => CreateProjectInput, { description: "The Project to create." }) input: CreateProjectInput,
    @Ctx() { actor, services }: Context,
  ) {
    return services.projects.createProject(actor, input);
  }

  @Mutation(() => Boolean, {
    description:
      "Owners and admins. Deletes the Project as Pergola does: archives it with its Stages (RUNNING ones suspended first, storage kept); it leaves the lists, keeps its slug and takes no change until restoreProject. True when done.",
  })
  async deleteProject(
    @Arg("project", () => String, { nullable: true, description: `${ArgDoc.project} Required (or \`slug\`).` }) project: string | null,
    @Arg("slug", () => String, { nullable: true, description: ArgDoc.project, deprecationReason: renamedTo("project") }) slug:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ): Promise<boolean> {
    await services.projects.deleteProject(actor, requiredRenamed({ project }, { slug }));
    return true;
  }

  @Mutation(() => Project, {
    description:
      "Owners and admins: brings an archived Project back as it was, with the Stages archived with it. STATE_CONFLICT when it is not archived.",
  })
  restoreProject(@Arg("project", () => String, { description: ArgDoc.project }) project: string, @Ctx() { actor, services }: Context) {
    return services.projects.restoreProject(actor, project);
  }

  @Subscription(() => [Project], {
    description: "The Projects the caller may see, as they are now, then the whole list again whenever one is created.",
    subscribe: ({ context }: SubscribeResolverData<unknown, object, Context>) => streamProjects(context.services, context.actor),
  })
  projectsChanged(@Root() projects: ProjectRow[]): Project[] {
    return projects as Project[];
  }

  @FieldResolver(() => String, {
    description: "The newest event's cursor: list, then subscribe `after` it, and nothing is missed (list+watch).",
  })
  cursor(@Root() project: Project): string {
    return formatCursor(project.seq);
  }

  @FieldResolver(() => [Member], { description: "Who may use the Project, owners first added first." })
  async members(@Root() project: Project, @Ctx() { loaders }: Context): Promise<Member[]> {
    return (await loaders.membersByProjectId.load(project.id)).map(toMember);
  }

  @FieldResolver(() => [Stage], { description: "Its Stages, oldest first." })
  async stages(@Root() project: Project, @Ctx() { services }: Context): Promise<Stage[]> {
    return (await services.stages.listStages(project)) as Stage[];
  }
}
