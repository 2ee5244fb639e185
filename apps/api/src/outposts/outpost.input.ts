import { Field, InputType, Int } from "type-graphql";
import { LABELS_AS_STRINGS, LabelInput } from "./label.type.js";

@InputType({ description: "A new Outpost." })
export class CreateOutpostInput {
  @Field(() => String, { description: "Its display name, e.g. Factory Berlin; at most 200 characters." })
  name: string;

  @Field(() => String, { nullable: true, description: "Its ID in outpost://<slug>; derived from the name when omitted." })
  slug?: string | null;

  @Field(() => String, { nullable: true, description: "Free text for the people who place Stages on it; at most 500 characters." })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Where it is, e.g. eu-central or Berlin plant 2; at most 100 characters." })
  region?: string | null;

  @Field(() => [LabelInput], { nullable: true, description: "Its labels, at most 50." })
  labelEntries?: LabelInput[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "Its labels as key=value strings, at most 50.",
    deprecationReason: LABELS_AS_STRINGS,
  })
  labels?: string[] | null;

  @Field(() => Int, { nullable: true, description: "Seconds between the agent's heartbeats, 1 to 300; default 5." })
  heartbeatIntervalSeconds?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Seconds without a heartbeat before the Outpost is OFFLINE: at least twice the interval, at most 3600; default four heartbeats, at least 20.",
  })
  offlineAfterSeconds?: number | null;
}
