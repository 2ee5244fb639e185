import { CONFIG_DATA_KINDS } from "@pergola/schema";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { graphqlEnum } from "../common/graphql-enum.js";
import { DateTime } from "../common/scalars.js";
import { Node } from "../node/node.type.js";

export const ConfigDataKind = graphqlEnum(CONFIG_DATA_KINDS, {
  name: "ConfigDataKind",
  description:
    "ENV: an environment variable. FILE: a file written into the Component's file system (`config-ref` in the manifest names it).",
  valuesConfig: {
    ENV: { description: "An environment variable of every Component." },
    FILE: { description: "A file written into the Component's file system; `config-ref` in the manifest names it." },
  },
});
export type ConfigDataKind = keyof typeof ConfigDataKind;

@ObjectType({ description: "One entry of a Configuration; its identity is (kind, name)." })
export class ConfigData {
  @Field(() => String, { description: "The variable's name, or the file's path." })
  name: string;

  @Field(() => ConfigDataKind, { description: "An environment variable or a file." })
  kind: ConfigDataKind;

  @Field(() => String, { nullable: true, description: "The value or file content; always null for a secret (secrets are write-only)." })
  value: string | null;

  @Field(() => Boolean, { description: "True when its value is write-only (never returned, `value` is null)." })
  secret: boolean;
}

@ObjectType({
  implements: Node,
  description:
    "A named, versioned Configuration of a Stage. A change is stored at once but takes effect only with the Stage's next Release.",
})
export class Configuration {
  @Field(() => ID, { description: "Its unique ID, one per version: the version a Release runs and the newest are two objects." })
  id: string;

  stageId: string;

  @Field(() => String, { description: "`default` unless told otherwise; a DNS label." })
  name: string;

  @Field(() => Int, { description: "1 when created, + 1 with every change; every version is kept, immutable." })
  version: number;

  @Field(() => [ConfigData], { description: "Sorted by kind, then name." })
  data: ConfigData[];

  @Field(() => DateTime, { description: "When this version was written." })
  updatedAt: Date;
}
