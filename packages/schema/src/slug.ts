/**
 * Stage IDs and Project slugs: DNS labels (RFC 1123) of at most 63 characters, because they
 * become host names of shareable links (`<host>.<stage>.<project>.localhost`). One rule for
 * the API (the judge) and its clients (the dashboard shows the ID as the user types).
 */
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
  if (!SLUG_PATTERN.test(slug)) return "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit";
  return undefined;
}

/**
 * The first of `slug-2`, `slug-3`, … not in `taken`, trimmed to stay a valid label: what the API
 * offers with a CONFLICT on a taken ID, and what the dashboard offers before asking.
 */
export function suggestFreeSlug(slug: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = slug.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, "") + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}
