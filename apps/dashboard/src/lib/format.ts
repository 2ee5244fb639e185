/** Times as people read them: "4 s ago", "3 min ago", and a full UTC date for titles. */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
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
