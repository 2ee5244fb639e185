import type { Scope } from "./problems.js";

/** What checking one Component needs to know about the others. */
export interface ManifestContext {
  /** The names of all Components of the manifest, for `component-ref`. */
  componentNames: ReadonlySet<string>;
  /** Each Component name read so far, and where: names are unique in the manifest. */
  names: Map<string, Scope>;
  /** Every ingress route (`host` + `path`) declared so far, and where: two Components cannot serve the same one. */
  routes: Map<string, Scope>;
}
