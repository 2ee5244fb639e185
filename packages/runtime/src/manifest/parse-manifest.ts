/** `parseManifest`: reads a manifest file's text (YAML or JSON), then validates it. */
import { parseDocument } from "yaml";
import type { ManifestResult } from "./manifest.type.js";
import { validateManifest } from "./validate-manifest.js";

/** The names Pergola looks for in the root of the source tree, in this order. */
export const MANIFEST_FILE_NAMES = ["pergola.yaml", "pergola.yml", "pergola.json"] as const;

/**
 * Parses and validates. The format follows `fileName` (`*.json` is JSON, `*.yaml`/`*.yml` is
 * YAML); without one, text that starts with `{` is JSON and anything else YAML. A syntax error
 * is a single problem with the empty path, naming the line.
 */
export function parseManifest(text: string, fileName?: string): ManifestResult {
  const source = text.replace(/^\uFEFF/, "");
  const json = fileName ? /\.json$/i.test(fileName) : source.trimStart().startsWith("{");
  let value: unknown;
  try {
    value = json ? JSON.parse(source) : parseYaml(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { valid: false, problems: [{ path: "", message: `invalid ${json ? "JSON" : "YAML"}: ${message}` }] };
  }
  return validateManifest(value);
}

function parseYaml(source: string): unknown {
  const document = parseDocument(source, { uniqueKeys: true });
  const [error] = document.errors;
  // yaml's messages end with a copy of the lines around the error; the first line says it all.
  if (error) throw new Error(error.message.split("\n")[0]!.replace(/:$/, ""));
  return document.toJS({ maxAliasCount: 100 });
}
