/** Times as people read them: "4 seconds ago", "3 minutes ago", "yesterday", and a full UTC date for titles. */
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86_400], ["hour", 3_600], ["minute", 60]];

/**
 * How long ago `iso` was, at `now` (ms), in the largest whole unit up to days; "never" for no
 * time. The locale is fixed ("en", as the rest of the dashboard) so the server's render and the
 * browser's agree.
 */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return relative.format(-Math.floor(seconds / size), unit);
  }
  return relative.format(-seconds, "second");
}

export function utc(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** Event cursors are decimal strings that grow with commit order. */
export function newer(cursor: string | undefined, than: string | undefined): boolean {
  if (cursor === undefined) return false;
  if (than === undefined) return true;
  return BigInt(cursor) > BigInt(than);
}
