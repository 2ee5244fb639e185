import { Field, InputType, Int } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { renamedTo } from "../graphql/renamed-argument.js";
import { StageType } from "./stage.type.js";

@InputType({ description: "A new Stage of a Project." })
export class CreateStageInput {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: "Its display name, e.g. Staging; at most 200 characters." })
  name: string;

  @Field(() => StageType, { description: "What the Stage is for." })
  type: StageType;

  @Field(() => String, {
    nullable: true,
    description: "The new Stage's ID (a DNS label, fixed for life); derived from the name when omitted.",
  })
  slug?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Seconds between SIGTERM and SIGKILL when the Stage is suspended, 0 to 86400; default: its type's (StagePolicy.defaultSuspendGraceSeconds, 60 as installed).",
  })
  suspendGraceSeconds?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "outpost://<slug>: the Stage lives on that Outpost (validated first, see validateOutpostUri). Omitted: the built-in local one.",
  })
  outpostUri?: string | null;
}

@InputType({ description: "What changes in a Stage; an omitted field stays as it is." })
export class UpdateStageInput {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { nullable: true, description: `${ArgDoc.stage} It never changes. Required (or \`slug\`).` })
  stage?: string | null;

  @Field(() => String, { nullable: true, description: "The Stage ID (it never changes).", deprecationReason: renamedTo("stage") })
  slug?: string | null;

  @Field(() => String, { nullable: true, description: "A new display name; the Stage ID stays." })
  name?: string | null;

  @Field(() => StageType, { nullable: true, description: "What the Stage is for, from now on." })
  type?: StageType | null;

  @Field(() => Int, { nullable: true, description: "Seconds between SIGTERM and SIGKILL when the Stage is suspended, 0 to 86400." })
  suspendGraceSeconds?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "READY backups to keep, 1 to 100. Applied when the next backup becomes READY (the oldest READY ones beyond it are deleted then).",
  })
  backupRetention?: number | null;
}
