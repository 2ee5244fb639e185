/**
 * Which link a request is for. Both gateways (the API's, and an Outpost Agent's at its
 * `--public-url`) accept the same two forms:
 *   path form  /s/<project>/<stage>/<host>/…             (any client)
 *   host form  <host>.<stage>.<project>.localhost:<port>  (browsers and curl resolve *.localhost)
 */

export interface LinkRequest {
  project: string;
  stage: string;
  /** The ingress's `host` (a DNS label). */
  host: string;
  /** The path the Component sees, without the query; the ingress is chosen by it. */
  path: string;
  /** The request URL the Component sees: `path` plus the query. */
  url: string;
}

/** What of a request the parser reads: `IncomingMessage` fits. */
export interface LinkRequestSource {
  url?: string;
  headers: { host?: string };
}

const PATH_FORM = /^\/s\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z0-9-]+)(\/[^?#]*)?(\?.*)?$/;
const HOST_FORM = /^([a-z0-9-]+)\.([a-z0-9-]+)\.([a-z0-9-]+)\.localhost(:\d+)?$/;

/** The link a request is for, or null when it is not a link request (the API serves it itself). */
export function parseLinkRequest(req: LinkRequestSource): LinkRequest | null {
  const url = req.url ?? "/";
  const hostMatch = HOST_FORM.exec((req.headers.host ?? "").toLowerCase());
  if (hostMatch) {
    const [, host, stage, project] = hostMatch;
    return { project: project!, stage: stage!, host: host!, path: url.split("?")[0]!, url };
  }
  const pathMatch = PATH_FORM.exec(url);
  if (!pathMatch) return null;
  const [, project, stage, host, rest, query] = pathMatch;
  // The prefix is the link's, not the app's: the Component sees the rest of the path.
  const path = rest || "/";
  return { project: project!, stage: stage!, host: host!, path, url: path + (query ?? "") };
}
