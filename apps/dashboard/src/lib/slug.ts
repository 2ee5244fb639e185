/** Stage IDs as the API derives them: the one rule, shared through @pergola/schema. The API stays the judge. */
export { deriveSlug, SLUG_MAX, slugProblem, suggestFreeSlug } from "@pergola/schema";
