import { Field, InputType } from "type-graphql";

@InputType()
export class DeployReleaseInput {
  @Field(() => String)
  project: string;

  @Field(() => String, { description: "The Stage ID." })
  stage: string;

  @Field(() => String, { nullable: true, description: "A Build name; default: the Build of the Stage's current Release." })
  build?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A Configuration name; default: the current Release's. Its newest version is released.",
  })
  config?: string | null;
}
