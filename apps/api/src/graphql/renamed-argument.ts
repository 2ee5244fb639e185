/**
 * Arguments and input fields renamed so that one thing has one name across the schema keep
 * their former name, deprecated (the public API only grows). Both are optional in the schema;
 * these helpers make a caller give one of them, never both, and name the current one in errors.
 *
 * Each side is a one-entry object, so a call reads `requiredRenamed({ stage }, { slug })`.
 */
import { badInput } from "../errors.js";

type Named<T> = Record<string, T | null | undefined>;

function only<T>(arg: Named<T>): [name: string, value: T | null | undefined] {
  const entries = Object.entries(arg);
  if (entries.length !== 1) throw new Error(`one argument expected, got ${entries.length}`);
  return entries[0]!;
}

/** The value given under either name, or undefined when neither; BAD_USER_INPUT when both. */
export function optionalRenamed<T>(current: Named<T>, former: Named<T>): T | undefined {
  const [name, value] = only(current);
  const [formerName, formerValue] = only(former);
  if (value != null && formerValue != null) {
    throw badInput(name, `give ${name} or its deprecated former name ${formerName}, not both`);
  }
  return value ?? formerValue ?? undefined;
}

/** The value given under either name; BAD_USER_INPUT when both or neither. */
export function requiredRenamed<T>(current: Named<T>, former: Named<T>): T {
  const value = optionalRenamed(current, former);
  if (value === undefined) {
    const [name] = only(current);
    const [formerName] = only(former);
    throw badInput(name, `required (or ${formerName}, its deprecated former name)`);
  }
  return value;
}

/** The reason every renamed argument's former name carries. */
export const renamedTo = (name: string) => `Renamed to \`${name}\`, the name this argument has across the schema.`;
