import { BUILD_STATUSES } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime, JSONScalar, UnsignedInt64 } from "../common/scalars.js";
import { Node } from "../node/node.type.js";
import { Connection } from "../graphql/connection.type.js";

export const BuildStatus = graphqlEnum(BUILD_STATUSES, {
  name: "BuildStatus",
  description: "READY: the manifest is valid and the artifact is stored; the Build can be released.",
  valuesConfig: { READY: { description: "The manifest is valid and the artifact stored: the Build can be released." } },
});
export type BuildStatus = keyof typeof BuildStatus;

@ObjectType({ description: "The application's files, a tar.gz stored by SHA-256." })
export class Artifact {
  @Field(() => String, { description: "The SHA-256 of the tar.gz, in hex: its name in `GET /artifacts/<sha256>`." })
  sha256: string;

  @Field(() => Int, { description: "Bytes.", deprecationReason: "Limited to 2^31 - 1 bytes (GraphQL's Int); use `byteSize`." })
  size: number;

  @Field(() => UnsignedInt64, { description: "The tar.gz's size in bytes." })
  byteSize: number;
}

@ObjectType({ implements: Node, description: "An immutable Build: a name, the manifest (pergola.yaml v1) and the artifact." })
export class Build {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => String, { description: "`master_b2` (branch and counter), `b7` without a branch, or as given." })
  name: string;

  @Field(() => String, { nullable: true, description: "The branch it was built from, as pushed; null when none was given." })
  branch: string | null;

  @Field(() => Int, { description: "The counter of the Project's Builds of this branch." })
  number: number;

  @Field(() => JSONScalar, { description: "The manifest as pushed." })
  manifest: unknown;

  @Field(() => String, { description: "Who pushed it (the token's name).", deprecationReason: "Use `author`, an Actor." })
  createdBy: string;

  @Field(() => DateTime, { description: "When it was pushed." })
  createdAt: Date;

  artifactSha256: string;
}

@ObjectType({ description: "One thing wrong with a manifest." })
export class ManifestProblem {
  @Field(() => String, { description: "Where: `components[2].scheduled`; empty for the whole document." })
  path: string;

  @Field(() => String, { description: "What is wrong, in a sentence." })
  message: string;
}

@ObjectType({ description: "What validateManifest found." })
export class ManifestValidation {
  @Field(() => Boolean, { description: "True when there is no problem: a Build of this manifest can be created." })
  valid: boolean;

  @Field(() => [ManifestProblem], { description: "Every problem, in document order; empty when valid." })
  problems: ManifestProblem[];
}

@ObjectType("BuildConnection", { description: "A page of a Project's Builds, newest first (as `builds`)." })
export class BuildConnection extends Connection(Build, "Build", "Builds") {}
