import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { JSONScalar } from "../common/scalars.js";
import type { Context } from "../context.js";
import { projectFor } from "../projects/project.service.js";
import { CreateBuildInput } from "./build.input.js";
import { manifestProblems } from "./manifest.js";
import { Artifact, Build, BuildStatus, ManifestValidation } from "./build.type.js";

@Resolver(() => Build)
export class BuildResolver {
  @Query(() => [Build], { description: "Newest first." })
  async builds(
    @Arg("project", () => String) project: string,
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { actor, services }: Context,
  ): Promise<Build[]> {
    const p = await services.projects.requireProject(actor, project);
    return (await services.builds.listBuilds(p, first)) as Build[];
  }

  @Query(() => ManifestValidation, { description: "Every problem of a pergola.yaml v1 manifest (as JSON), each with its path." })
  validateManifest(@Arg("manifest", () => JSONScalar) manifest: unknown): ManifestValidation {
    const problems = manifestProblems(manifest);
    return { valid: problems.length === 0, problems };
  }

  @Mutation(() => Build, { description: "Registers an immutable Build of an uploaded artifact." })
  createBuild(@Arg("input", () => CreateBuildInput) input: CreateBuildInput, @Ctx() { actor, services }: Context) {
    return services.builds.createBuild(projectFor(services.projects, actor, input.project), actor, input);
  }

  @FieldResolver(() => BuildStatus)
  status(): BuildStatus {
    return BuildStatus.READY;
  }

  @FieldResolver(() => Artifact)
  async artifact(@Root() build: Build, @Ctx() { loaders }: Context): Promise<Artifact> {
    return (await loaders.artifactBySha.load(build.artifactSha256))!;
  }
}
