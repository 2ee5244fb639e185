import { Field, InputType } from "type-graphql";

@InputType({ description: "A new Project." })
export class CreateProjectInput {
  @Field(() => String, { description: "Its display name; at most 200 characters." })
  name: string;

  @Field(() => String, { nullable: true, description: "Its slug, a DNS label unique among Projects; derived from the name when omitted." })
  slug?: string | null;
}
