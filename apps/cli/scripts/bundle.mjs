/**
 * Bundles the compiled CLI (dist/cli.js) and its dependencies into dist/pergola.js, the file
 * `pergola` runs (bin/pergola.js), with what only some commands need — `pergola mcp`'s server —
 * in chunks of their own, loaded when used. One file instead of a few hundred modules: the CLI
 * starts in about half the time (see README "CLI").
 */
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Chunks are named by their hash: the last build's would stay beside the new ones.
rmSync("dist/chunks", { recursive: true, force: true });
await build({
  entryPoints: { pergola: "dist/cli.js" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ws's optional native speed-ups: used when installed, skipped when not.
  external: ["bufferutil", "utf-8-validate"],
  // Bundled CommonJS dependencies call require().
  banner: { js: "import { createRequire as __pergolaRequire } from 'node:module'; const require = __pergolaRequire(import.meta.url);" },
  // version.ts reads package.json beside dist/ when not bundled; a chunk is a level deeper.
  define: { PERGOLA_CLI_VERSION: JSON.stringify(version) },
  // Less to compile at each start (~5 %); names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
// Both start with `#!/usr/bin/env node`: runnable as they are.
for (const file of ["dist/cli.js", "dist/pergola.js"]) chmodSync(file, 0o755);
