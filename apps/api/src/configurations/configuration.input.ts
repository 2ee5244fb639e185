import { Field, InputType, Int } from "type-graphql";
import { ArgDoc } from "../graphql/argument-docs.js";
import { renamedTo } from "../graphql/renamed-argument.js";

const SECRET =
  "Write-only: its value is never returned. Omitted on an existing secret, it stays secret; only an explicit false makes it plain. Default false for a new entry.";
const APPLIES = "The change is stored at once and takes effect with the Stage's next Release.";
const EXPECTED = ArgDoc.expectedVersion;
const CONFIGURATION = `${ArgDoc.configuration} Default \`default\`.`;

@InputType({ description: "An environment variable of a Configuration." })
export class ConfigEnvInput {
  @Field(() => String, { description: "Its name: `^[A-Za-z_][A-Za-z0-9_]*$`, at most 256 characters." })
  name: string;

  @Field(() => String, { description: "Its value, at most 64 KiB (UTF-8)." })
  value: string;

  // No `= false` default: an omitted flag must be told apart from an explicit false, or
  // re-adding a secret without the flag would make its value readable.
  @Field(() => Boolean, { nullable: true, description: SECRET })
  secret?: boolean | null;
}

@InputType({ description: "A file of a Configuration, written into the Component's file system." })
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
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: ArgDoc.stage })
  stage: string;

  @Field(() => String, { nullable: true, description: `${CONFIGURATION} Created on first use.` })
  configuration?: string | null;

  @Field(() => String, { nullable: true, description: "Created on first use.", deprecationReason: renamedTo("configuration") })
  config?: string | null;

  @Field(() => [ConfigEnvInput], { nullable: true, defaultValue: [], description: "Environment variables to add or replace." })
  env?: ConfigEnvInput[] | null;

  @Field(() => [ConfigFileInput], { nullable: true, defaultValue: [], description: "Files to add or replace." })
  files?: ConfigFileInput[] | null;

  @Field(() => Int, { nullable: true, description: EXPECTED })
  expectedVersion?: number | null;
}

@InputType({ description: `Removes entries by name. ${APPLIES}` })
export class RemoveConfigDataInput {
  @Field(() => String, { description: ArgDoc.project })
  project: string;

  @Field(() => String, { description: ArgDoc.stage })
  stage: string;

  @Field(() => String, { nullable: true, description: CONFIGURATION })
  configuration?: string | null;

  @Field(() => String, { nullable: true, description: CONFIGURATION, deprecationReason: renamedTo("configuration") })
  config?: string | null;

  @Field(() => [String], { description: "Each removes the env entry and the file of that name; an unknown name is NOT_FOUND." })
  names: string[];

  @Field(() => Int, { nullable: true, description: EXPECTED })
  expectedVersion?: number | null;
}
