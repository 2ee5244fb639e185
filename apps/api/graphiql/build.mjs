/**
 * Bundles the GraphiQL page (main.js: graphiql, React, graphql-ws) into dist/graphiql/graphiql.{js,css}:
 * a static build the API serves at /graphiql, with no GraphQL server of its own.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
await build({
  entryPoints: { graphiql: `${here}main.js` },
  outdir: `${here}../dist/graphiql`,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  define: { "process.env.NODE_ENV": '"production"' },
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file" },
  logLevel: "warning",
});
