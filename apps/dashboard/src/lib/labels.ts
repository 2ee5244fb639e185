/** An Outpost's labels as the dashboard shows and takes them: `site=berlin`. */
export function formatLabel({ key, value }: { key: string; value: string }): string {
  return `${key}=${value}`;
}

/** `site=berlin, line=2` → `{ key, value }` entries; one without `=` is a key with an empty value (the API judges both). */
export function parseLabels(text: string): { key: string; value: string }[] {
  return text
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean)
    .map((label) => {
      const at = label.indexOf("=");
      return at < 0 ? { key: label, value: "" } : { key: label.slice(0, at), value: label.slice(at + 1) };
    });
}
