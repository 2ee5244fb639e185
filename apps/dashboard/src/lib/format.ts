/** Times as people read them: "4 seconds ago", "3 minutes ago", "yesterday" (shared with the CLI), and a full UTC date for titles. */
export { ago } from "@pergola/schema/time";

export function utc(iso: string | null | undefined): string {
  if (!iso) return "";
  return `${new Date(iso).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** Event cursors are decimal strings that grow with commit order. */
export function newer(cursor: string | undefined, than: string | undefined): boolean {
  if (cursor === undefined) return false;
  if (than === undefined) return true;
  return BigInt(cursor) > BigInt(than);
}
