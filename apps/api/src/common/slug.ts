/**
 * Stage IDs and Project slugs: DNS labels (RFC 1123) of at most 63 characters, because they
 * become host names of shareable links (`<host>.<stage>.<project>.localhost`). The rule
 * itself is shared with the clients (@pergola/schema); here it becomes typed errors.
 */
import { badInput } from "../errors.js";

import { deriveSlug, SLUG_MAX, slugProblem, suggestFreeSlug } from "@pergola/schema";

export { deriveSlug, SLUG_MAX, slugProblem, suggestFreeSlug };

/** The slug to use: the explicit one (validated) or one derived from the name. */
export function resolveSlug(field: string, name: string, explicit: string | null | undefined): string {
  if (explicit != null) {
    const problem = slugProblem(explicit);
    if (problem) throw badInput(field, problem);
    return explicit;
  }
  const derived = deriveSlug(name);
  if (!derived) throw badInput(field, `cannot be derived from the name "${name}" (no letters or digits); give one`);
  return derived;
}

export function requireName(field: string, name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw badInput(field, "must not be empty");
  if (trimmed.length > 200) throw badInput(field, "must be at most 200 characters");
  return trimmed;
}
