import { ArgsType, Field } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { PageArgs } from "../graphql/connection.type.js";
import { renamedTo, requiredRenamed } from "../graphql/renamed-argument.js";
import { StageState, StageType } from "./stage.type.js";

/** A Stage named as every field names it: `project` and `stage` (`slug` is its former name). */
@ArgsType()
export class StageArgs {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { nullable: true, description: `${ArgDoc.stage} Required (or \`slug\`).` })
  stage?: string | null;

  @Field(() => String, { nullable: true, description: ArgDoc.stage, deprecationReason: renamedTo("stage") })
  slug?: string | null;
}

/** The Stage ID the caller gave, under either name. */
export const stageSlug = ({ stage, slug }: StageArgs): string => requiredRenamed({ stage }, { slug });

/** A page of a Project's Stages (`stagesConnection`), with the filters it may take. */
@ArgsType()
export class StagePageArgs extends PageArgs {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => StageType, { nullable: true, description: "Only the Stages of this type." })
  type?: StageType | null;

  @Field(() => StageState, { nullable: true, description: "Only the Stages in this state." })
  state?: StageState | null;
}
