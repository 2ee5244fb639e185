import { ArgsType, Field } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { PageArgs } from "../graphql/connection.type.js";

/** A page of a Project's Builds (`buildsConnection`). */
@ArgsType()
export class BuildPageArgs extends PageArgs {
  @Field(() => String, { description: ArgDoc.project })
  project: string;
}
