import { Field, InputType } from "type-graphql";

@InputType()
export class CreateProjectInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true, description: "Derived from the name when omitted." })
  slug?: string | null;
}
