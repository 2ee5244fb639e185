import { ArgsType, Field } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { renamedTo, requiredRenamed } from "../graphql/renamed-argument.js";

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
