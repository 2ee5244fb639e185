/** The CLI's version, from its package.json (one place to bump). */
import { readFileSync } from "node:fs";

/** Set by the bundle (scripts/bundle.mjs); the compiled modules read package.json instead. */
declare const PERGOLA_CLI_VERSION: string | undefined;

export const CLI_VERSION: string =
  typeof PERGOLA_CLI_VERSION === "string"
    ? PERGOLA_CLI_VERSION
    : (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
