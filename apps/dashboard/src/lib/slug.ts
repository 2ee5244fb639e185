/**
 * Stage IDs as the API derives them (apps/api/src/common/slug.ts, copied: apps do not import
 * each other): DNS labels of at most 63 characters. The API stays the judge; this only lets
 * the dialog show the ID while the user types.
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
  if (!SLUG_PATTERN.test(slug)) return "lowercase letters, digits and hyphens, starting and ending with a letter or digit";
  return undefined;
}
