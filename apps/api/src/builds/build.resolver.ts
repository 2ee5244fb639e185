import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { JSONScalar } from "../common/scalars.js";
import type { Context } from "../context.js";
import { projectFor } from "../projects/project.service.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { CreateBuildInput } from "./build.input.js";
import { manifestProblems } from "./manifest.js";
import { Artifact, Build, BuildConnection, BuildStatus, ManifestValidation } from "./build.type.js";
import { BuildPageArgs } from "./build.args.js";

@Resolver(() => Build)
export class BuildResolver {
  @Query(() => [Build], { description: "The Project's Builds, newest first." })
  async builds(
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Arg("first", () => Int, { defaultValue: 20, description: "How many of the newest, 1 to 500." }) first: number,
    @Ctx() { actor, services }: Context,
  ): Promise<Build[]> {
    const p = await services.projects.requireProject(actor, project);
    return (await services.builds.listBuilds(p, first)) as Build[];
  }

  @Query(() => BuildConnection, { description: "The Project's Builds a page at a time, newest first (as `builds`)." })
  async buildsConnection(@Args(() => BuildPageArgs) args: BuildPageArgs, @Ctx() { actor, services }: Context): Promise<BuildConnection> {
    const p = await services.projects.requireProject(actor, args.project);
    return (await services.builds.listBuildPage(p, args)) as unknown as BuildConnection;
  }

  @Query(() => ManifestValidation, { description: "Every problem of a pergola.yaml v1 manifest (as JSON), each with its path." })
  async validateManifest(
    @Arg("manifest", () => JSONScalar, { description: "A pergola.yaml v1 document, parsed into JSON." }) manifest: unknown,
  ): Promise<ManifestValidation> {
    const problems = await manifestProblems(manifest);
    return { valid: problems.length === 0, problems };
  }

  @Mutation(() => Build, { description: "Registers an immutable Build of an uploaded artifact." })
  createBuild(
    @Arg("input", () => CreateBuildInput, { description: "The Build to create." }) input: CreateBuildInput,
    @Ctx() { actor, services }: Context,
  ) {
    return services.builds.createBuild(projectFor(services.projects, actor, input.project), actor, input);
  }

  @FieldResolver(() => BuildStatus, { description: "Whether it can be released; always READY (a Build is stored only once it is)." })
  status(): BuildStatus {
    return BuildStatus.READY;
  }

  @FieldResolver(() => Artifact, { description: "Its application files." })
  async artifact(@Root() build: Build, @Ctx() { loaders }: Context): Promise<Artifact> {
    const { sha256, size } = (await loaders.artifactBySha.load(build.artifactSha256))!;
    return { sha256, size, byteSize: size };
  }
}
