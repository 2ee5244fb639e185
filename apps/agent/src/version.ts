/**
 * This agent's version: the `version` of the package.json one directory above this file's
 * (apps/agent/package.json in the repository, the installed package's once packed, where the
 * bundle sits in dist/ too).
 */
import { readFileSync } from "node:fs";

export const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** As the Outpost shows it: `pergola-agent/<version>`. */
export const AGENT_VERSION = `pergola-agent/${VERSION}`;
