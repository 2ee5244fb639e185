import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "New output lines of a Component." })
export class ComponentLogLines {
  @Field(() => String, { description: "Pass as `after` to resume right after these lines." })
  cursor: string;

  @Field(() => String, { description: "The Component's name." })
  component: string;

  @Field(() => ID, { description: "The Release whose Component wrote them." })
  releaseId: string;

  @Field(() => [String], { description: "The lines, oldest first, without line endings." })
  lines: string[];
}
