import { Field, InputType, Int } from "type-graphql";

@InputType()
export class CreateOutpostInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true, description: "Its ID in outpost://<slug>; derived from the name when omitted." })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Where it is, e.g. eu-central or Berlin plant 2." })
  region?: string | null;

  @Field(() => [String], { nullable: true, description: "key=value strings." })
  labels?: string[] | null;

  @Field(() => Int, { nullable: true, description: "Default 5." })
  heartbeatIntervalSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: "Default 20 (at least twice the interval)." })
  offlineAfterSeconds?: number | null;
}
