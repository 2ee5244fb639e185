import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";

@ObjectType({ description: "Holds Stages." })
export class Project {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "Unique; addresses the Project everywhere." })
  slug: string;

  @Field(() => String)
  name: string;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime)
  updatedAt: Date;

  seq: bigint;
}
