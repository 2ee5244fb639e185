import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { Node } from "../node/node.type.js";

@ObjectType({ implements: Node, description: "Holds Stages." })
export class Project {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => String, { description: "Unique; addresses the Project everywhere." })
  slug: string;

  @Field(() => String, { description: "Its display name." })
  name: string;

  @Field(() => DateTime, { description: "When it was created." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When its name or slug last changed; neither can change yet, so its creation time." })
  updatedAt: Date;

  seq: bigint;
}
