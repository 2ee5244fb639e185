import { BUILD_STATUSES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime, JSONScalar } from "../common/scalars.js";

export const BuildStatus = graphqlEnum(BUILD_STATUSES, {
  name: "BuildStatus",
  description: "READY: the manifest is valid and the artifact is stored; the Build can be released.",
});
export type BuildStatus = keyof typeof BuildStatus;

@ObjectType({ description: "The application's files, a tar.gz stored by SHA-256." })
export class Artifact {
  @Field(() => String)
  sha256: string;

  @Field(() => Int, { description: "Bytes." })
  size: number;
}

@ObjectType({ description: "An immutable Build: a name, the manifest (pergola.yaml v1) and the artifact." })
export class Build {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "`master_b2` (branch and counter), `b7` without a branch, or as given." })
  name: string;

  @Field(() => String, { nullable: true })
  branch: string | null;

  @Field(() => Int, { description: "The counter of the Project's Builds of this branch." })
  number: number;

  @Field(() => JSONScalar, { description: "The manifest as pushed." })
  manifest: unknown;

  @Field(() => String, { description: "Who pushed it (the token's name)." })
  createdBy: string;

  @Field(() => DateTime)
  createdAt: Date;

  artifactSha256: string;
}

@ObjectType()
export class ManifestProblem {
  @Field(() => String, { description: "Where: `components[2].scheduled`; empty for the whole document." })
  path: string;

  @Field(() => String)
  message: string;
}

@ObjectType()
export class ManifestValidation {
  @Field(() => Boolean)
  valid: boolean;

  @Field(() => [ManifestProblem])
  problems: ManifestProblem[];
}
