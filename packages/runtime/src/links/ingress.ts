import type { Manifest } from "../manifest/manifest.type.js";

/** The ingress a link request goes to: which Component, and which of its ports. */
export interface LinkIngress {
  component: string;
  port: number;
  /** The ingress's path prefix, as the manifest has it. */
  path: string;
}

/**
 * The ingress for `host` whose path is the longest prefix of `path` (by whole segments:
 * `/api` takes `/api` and `/api/x`, not `/apix`), like a reverse proxy's location match.
 */
export function getIngress(manifest: Pick<Manifest, "components"> | null | undefined, host: string, path: string): LinkIngress | undefined {
  let best: LinkIngress | undefined;
  for (const component of manifest?.components ?? []) {
    for (const ingress of component.ingresses) {
      if (ingress.host !== host) continue;
      const prefix = ingress.path.replace(/\/$/, "");
      if (path !== prefix && !path.startsWith(`${prefix}/`) && prefix !== "") continue;
      if (!best || ingress.path.length > best.path.length) best = { component: component.name, port: ingress.port, path: ingress.path };
    }
  }
  return best;
}
