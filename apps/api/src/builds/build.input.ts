import { Field, InputType } from "type-graphql";
import { JSONScalar } from "../common/scalars.js";
import { ArgDoc } from "../graphql/argument-docs.js";

@InputType({ description: "A new Build: the manifest and an artifact uploaded with `POST /artifacts`." })
export class CreateBuildInput {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => JSONScalar, { description: "The pergola.yaml v1 manifest, as JSON." })
  manifest: unknown;

  @Field(() => String, { description: "The SHA-256 that `POST /artifacts` answered." })
  artifact: string;

  @Field(() => String, { nullable: true, description: "Replaces the derived name." })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "Names the Build `<branch>_b<n>`." })
  branch?: string | null;
}
