/**
 * `validateManifest`: checks an already-parsed `pergola.yaml` v1 manifest (the API receives it
 * as JSON) and returns either the normalized Manifest or every problem, each at its path.
 */
import { readComponent } from "./component.js";
import type { ManifestContext } from "./context.js";
import { isFields, isPresent, readFields, readList } from "./fields.js";
import type { ManifestResult } from "./manifest.type.js";
import { type Problem, Scope } from "./problems.js";

export const MANIFEST_VERSION = "v1";

export function validateManifest(value: unknown): ManifestResult {
  const problems: Problem[] = [];
  const scope = new Scope(problems);
  if (!isPresent(value)) return { valid: false, problems: [{ path: "", message: "the manifest is empty" }] };
  if (!isFields(value)) {
    return { valid: false, problems: [{ path: "", message: "the manifest must be an object with version and components" }] };
  }
  const fields = readFields(value, scope, ["version", "components"])!;

  if (!isPresent(fields.version)) scope.at("version").report(`required (version: ${MANIFEST_VERSION})`);
  else if (fields.version !== MANIFEST_VERSION) scope.at("version").report(`must be ${MANIFEST_VERSION}`);

  const raw = fields.components;
  const componentsScope = scope.at("components");
  if (!isPresent(raw)) componentsScope.report("required (at least one component)");
  else if (Array.isArray(raw) && raw.length === 0) componentsScope.report("must have at least one component");

  const context: ManifestContext = {
    componentNames: new Set(
      (Array.isArray(raw) ? raw : []).flatMap((item) => (isFields(item) && typeof item.name === "string" ? [item.name] : [])),
    ),
    names: new Map(),
    routes: new Map(),
  };
  const components = readList(raw, componentsScope, (item, itemScope) => readComponent(item, itemScope, context));

  if (problems.length > 0) return { valid: false, problems };
  return { valid: true, manifest: { version: MANIFEST_VERSION, components }, problems: [] };
}
