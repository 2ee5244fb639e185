import { Field, InputType } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { renamedTo } from "../graphql/renamed-argument.js";

@InputType({ description: "What to release to a Stage: a Build, a Configuration, or both." })
export class DeployReleaseInput {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: ArgDoc.stage })
  stage: string;

  @Field(() => String, { nullable: true, description: "A Build name; default: the Build of the Stage's current Release." })
  build?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A Configuration name; default: the current Release's. Its newest version is released.",
  })
  configuration?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A Configuration name; default: the current Release's. Its newest version is released.",
    deprecationReason: renamedTo("configuration"),
  })
  config?: string | null;

  @Field(() => Boolean, { nullable: true, description: ArgDoc.confirmDeploy })
  confirm?: boolean | null;
}
