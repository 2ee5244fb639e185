import { Field, InputType, ObjectType } from "type-graphql";

@ObjectType({ description: "A label of an Outpost: a key and its value, as in Kubernetes (`site` = `berlin`)." })
export class Label {
  @Field(() => String, { description: "Letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit; at most 63 characters." })
  key: string;

  @Field(() => String, { description: "Letters, digits, `.`, `_` and `-`; at most 63 characters, possibly empty." })
  value: string;
}

@InputType({ description: "A label to give an Outpost: a key and its value." })
export class LabelInput {
  @Field(() => String, { description: "Letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit; at most 63 characters." })
  key: string;

  @Field(() => String, { description: "Letters, digits, `.`, `_` and `-`; at most 63 characters, possibly empty." })
  value: string;
}

/** `site=berlin` → `{ key: "site", value: "berlin" }`: labels are stored as Kubernetes spells them. */
export function toLabel(stored: string): Label {
  const at = stored.indexOf("=");
  return { key: stored.slice(0, at), value: stored.slice(at + 1) };
}

export const LABELS_AS_STRINGS = "`key=value` strings leave each client to split them; use `labelEntries` (`{ key value }`).";

export const formatLabel = ({ key, value }: LabelInput): string => `${key}=${value}`;
