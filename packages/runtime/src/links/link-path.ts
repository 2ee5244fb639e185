/**
 * The one reading of a link request's target. The path is normalized once, as a browser's URL
 * parser would (WHATWG: `.` and `..` segments resolved, `%2e` counted as a dot, `\` read as `/`);
 * the ingress is chosen on that path and exactly that path is forwarded. Before this, the prefix
 * was matched on the raw path and the proxy normalized it afterwards: `/public/../admin` reached
 * an ingress that only `/public` had.
 */

/** Longest request target a link takes, in characters; past it, 414. */
export const MAX_LINK_TARGET_LENGTH = 8 * 1024;

export interface LinkTargetPath {
  /** The normalized path, percent-encoded as WHATWG leaves it. */
  path: string;
  /** The query with its `?`, or "". */
  search: string;
}

/** Why a link request is refused before any lookup. */
export interface LinkPathRefusal {
  status: 400 | 414;
  reason: string;
}

/** Reads a request target (`/a/b?q`); a refusal for what is too long, not a path, or encoded to change its meaning. */
export function normalizeLinkTarget(target: string): LinkTargetPath | LinkPathRefusal {
  if (target.length > MAX_LINK_TARGET_LENGTH)
    return { status: 414, reason: `the request target is longer than ${MAX_LINK_TARGET_LENGTH} characters` };
  // Absolute-form (`http://other/x`) and `*` would name another host than the Host header does.
  if (!target.startsWith("/")) return { status: 400, reason: "the request target must be a path starting with /" };
  let url: URL;
  try {
    url = new URL(`http://link.invalid${target}`);
  } catch {
    return { status: 400, reason: "the request target is not a valid path" };
  }
  for (const segment of url.pathname.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { status: 400, reason: "the path has a malformed percent-encoding" };
    }
    // An encoded separator or NUL means one thing here and another to whoever decodes it next.
    if (/[/\\\0]/.test(decoded)) return { status: 400, reason: "the path has an encoded /, \\ or NUL" };
    if (decoded === "." || decoded === "..") return { status: 400, reason: "the path has an encoded dot segment" };
  }
  return { path: url.pathname, search: url.search };
}

export function isLinkPathRefusal(value: LinkTargetPath | LinkPathRefusal): value is LinkPathRefusal {
  return "status" in value;
}
