import { ArgsType, Field } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { PageArgs } from "../graphql/connection.type.js";

/** A page of a Stage's Releases (`releasesConnection`): the Stage as `releases` names it. */
@ArgsType()
export class ReleasePageArgs extends PageArgs {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: ArgDoc.stage })
  stage: string;
}
