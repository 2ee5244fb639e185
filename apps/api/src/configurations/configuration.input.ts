import { Field, InputType, Int } from "type-graphql";

const SECRET =
  "Write-only: its value is never returned. Omitted on an existing secret, it stays secret; only an explicit false makes it plain. Default false for a new entry.";
const APPLIES = "The change is stored at once and takes effect with the Stage's next Release.";
const EXPECTED =
  "The version the caller last saw (0: the Configuration must not exist yet); if it changed meanwhile, CONFLICT with `expected` and `actual`, and nothing is written.";

@InputType()
export class ConfigEnvInput {
  @Field(() => String, { description: "`^[A-Za-z_][A-Za-z0-9_]*$`, at most 256 characters." })
  name: string;

  @Field(() => String, { description: "At most 64 KiB (UTF-8)." })
  value: string;

  // No `= false` default: an omitted flag must be told apart from an explicit false, or
  // re-adding a secret without the flag would make its value readable.
  @Field(() => Boolean, { nullable: true, description: SECRET })
  secret?: boolean | null;
}

@InputType()
export class ConfigFileInput {
  @Field(() => String, { description: "The file's path, relative or absolute, without `..` segments; at most 1024 characters." })
  name: string;

  @Field(() => String, { description: "Text, at most 64 KiB (UTF-8)." })
  content: string;

  @Field(() => Boolean, { nullable: true, description: SECRET })
  secret?: boolean | null;
}

@InputType({ description: `Adds or replaces entries, identified by (kind, name). ${APPLIES}` })
export class AddConfigDataInput {
  @Field(() => String, { description: "The Project's slug." })
  project: string;

  @Field(() => String, { description: "The Stage ID." })
  stage: string;

  @Field(() => String, { nullable: true, defaultValue: "default", description: "Created on first use." })
  config?: string | null;

  @Field(() => [ConfigEnvInput], { nullable: true, defaultValue: [] })
  env?: ConfigEnvInput[] | null;

  @Field(() => [ConfigFileInput], { nullable: true, defaultValue: [] })
  files?: ConfigFileInput[] | null;

  @Field(() => Int, { nullable: true, description: EXPECTED })
  expectedVersion?: number | null;
}

@InputType({ description: `Removes entries by name. ${APPLIES}` })
export class RemoveConfigDataInput {
  @Field(() => String)
  project: string;

  @Field(() => String)
  stage: string;

  @Field(() => String, { nullable: true, defaultValue: "default" })
  config?: string | null;

  @Field(() => [String], { description: "Each removes the env entry and the file of that name; an unknown name is NOT_FOUND." })
  names: string[];

  @Field(() => Int, { nullable: true, description: EXPECTED })
  expectedVersion?: number | null;
}
