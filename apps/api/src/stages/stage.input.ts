import { Field, InputType, Int } from "type-graphql";
import { StageType } from "./stage.type.js";

@InputType()
export class CreateStageInput {
  @Field(() => String, { description: "The Project's slug." })
  project: string;

  @Field(() => String)
  name: string;

  @Field(() => StageType)
  type: StageType;

  @Field(() => String, { nullable: true, description: "The Stage ID; derived from the name when omitted." })
  slug?: string | null;

  @Field(() => Int, { nullable: true, description: "Default 60." })
  suspendGraceSeconds?: number | null;

  @Field(() => String, { nullable: true, description: "outpost://<slug>: the Stage lives on that Outpost (validated first, see validateOutpostUri). Omitted: the built-in local one." })
  outpostUri?: string | null;
}

@InputType()
export class UpdateStageInput {
  @Field(() => String)
  project: string;

  @Field(() => String, { description: "The Stage ID (it never changes)." })
  slug: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => StageType, { nullable: true })
  type?: StageType | null;

  @Field(() => Int, { nullable: true })
  suspendGraceSeconds?: number | null;
}
