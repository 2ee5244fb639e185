/**
 * Which link a request is for. Both gateways (the API's, and an Outpost Agent's at its
 * `--public-url`) accept the same two forms:
 *   path form  /s/<project>/<stage>/<host>/…             (any client)
 *   host form  <host>.<stage>.<project>.localhost:<port>  (browsers and curl resolve *.localhost),
 *              or under a wildcard domain of the operator's (`*.apps.example.com`: `domains`)
 * The target is read once (link-path.ts): the ingress is chosen on the normalized path, and that
 * path is what the Component receives.
 */
import { isLinkPathRefusal, normalizeLinkTarget, type LinkPathRefusal } from "./link-path.js";

export interface LinkRequest {
  project: string;
  stage: string;
  /** The ingress's `host` (a DNS label). */
  host: string;
  /** The path the Component sees, normalized, without the query; the ingress is chosen by it. */
  path: string;
  /** The request URL the Component sees: `path` plus the query. */
  url: string;
}

/** A request for a link that is refused before any lookup: 400 or 414, with the reason. */
export interface LinkRequestRefusal {
  refusal: LinkPathRefusal;
}

/** What of a request the parser reads: `IncomingMessage` fits. */
export interface LinkRequestSource {
  url?: string;
  headers: { host?: string };
  /** The headers as sent, names and values alternating: a second Host is seen here only. */
  rawHeaders?: string[];
}

const PATH_FORM = /^\/s\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z0-9-]+)(\/.*)?$/;
/** A domain links may live under: DNS labels, lowercase, dot-separated (`apps.example.com`). */
export const LINKS_DOMAIN_PATTERN = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** What host-form links end with unless told otherwise. */
const LOCALHOST: readonly string[] = ["localhost"];

/** The host form's pattern for a list of domains, made once per list (callers keep theirs). */
const hostForms = new WeakMap<readonly string[], RegExp>();
function hostFormOf(domains: readonly string[]): RegExp {
  let form = hostForms.get(domains);
  if (!form) {
    const names = domains.map((d) => d.replaceAll(".", "\\.")).join("|");
    form = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.([a-z0-9-]+)\\.(?:${names})$`);
    hostForms.set(domains, form);
  }
  return form;
}

/**
 * The link a request is for, a refusal, or null when it is not a link request (the API serves it
 * itself). `domains`: what host-form links end with (each matching LINKS_DOMAIN_PATTERN).
 */
export function parseLinkRequest(req: LinkRequestSource, domains: readonly string[] = LOCALHOST): LinkRequest | LinkRequestRefusal | null {
  const target = req.url ?? "/";
  const hosts = hostsOf(req);
  const form = hostFormOf(domains);
  const hostMatches = hosts.map((h) => form.exec(linkHostName(h)));
  const hostMatch = hostMatches[0];
  const looksLikeLink = hostMatches.some(Boolean) || target.startsWith("/s/");
  if (hosts.length > 1) return looksLikeLink ? { refusal: { status: 400, reason: "the request has more than one Host header" } } : null;

  const normalized = normalizeLinkTarget(target);
  if (isLinkPathRefusal(normalized)) return looksLikeLink ? { refusal: normalized } : null;
  const { path, search } = normalized;
  if (hostMatch) {
    const [, host, stage, project] = hostMatch;
    return { project: project!, stage: stage!, host: host!, path, url: path + search };
  }
  const pathMatch = PATH_FORM.exec(path);
  if (!pathMatch) return null;
  const [, project, stage, host, rest] = pathMatch;
  // The prefix is the link's, not the app's: the Component sees the rest of the path.
  const inner = rest || "/";
  return { project: project!, stage: stage!, host: host!, path: inner, url: inner + search };
}

export function isLinkRequestRefusal(link: LinkRequest | LinkRequestRefusal): link is LinkRequestRefusal {
  return "refusal" in link;
}

/** Every Host the request sent (Node keeps only the first in `headers`). */
function hostsOf(req: LinkRequestSource): string[] {
  if (!req.rawHeaders) return req.headers.host === undefined ? [] : [req.headers.host];
  const hosts: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") hosts.push(req.rawHeaders[i + 1]!);
  return hosts;
}

/** A Host header as a name: any case, without its port or a trailing dot (`App.Dev.Shop.localhost.:80`). */
function linkHostName(host: string): string {
  return host.trim().toLowerCase().replace(/:\d*$/, "").replace(/\.$/, "");
}
