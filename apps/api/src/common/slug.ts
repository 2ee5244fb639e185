/**
 * Stage IDs and Project slugs: DNS labels (RFC 1123) of at most 63 characters, because they
 * become host names of shareable links (`<host>.<stage>.<project>.localhost`).
 */
import { badInput } from "../errors.js";

export const SLUG_MAX = 63;
const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** `My New Stage` → `my-new-stage`; accents folded, everything else a separator. "" when nothing is left. */
export function deriveSlug(name: string): string {
  const folded = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/ß/g, "ss")
    .replace(/[æÆ]/g, "ae")
    .replace(/[øØ]/g, "o")
    .replace(/[łŁ]/g, "l")
    .toLowerCase();
  const dashed = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return dashed.slice(0, SLUG_MAX).replace(/-+$/, "");
}

export function slugProblem(slug: string): string | undefined {
  if (slug.length === 0) return "must not be empty";
  if (slug.length > SLUG_MAX) return `must be at most ${SLUG_MAX} characters`;
  if (!SLUG_PATTERN.test(slug))
    return "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit";
  return undefined;
}

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

/** The first of `slug-2`, `slug-3`, … not in `taken`, trimmed to stay a valid label. */
export function suggestFreeSlug(slug: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = slug.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, "") + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

export function requireName(field: string, name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw badInput(field, "must not be empty");
  if (trimmed.length > 200) throw badInput(field, "must be at most 200 characters");
  return trimmed;
}
