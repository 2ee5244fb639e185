/**
 * GET /graphiql: a page that loads the static GraphiQL build (graphiql/main.js, bundled into
 * dist/graphiql by `npm run build`) from /graphiql/assets. No GraphQL server of its own: the
 * page talks to the API's /graphql, over HTTP and graphql-ws, with the token of its Headers tab.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";

/** dist/graphiql of this package, from src/ (tests) and dist/ (built) alike. */
const ASSETS = fileURLToPath(new URL("../dist/graphiql/", import.meta.url));

const DEFAULT_QUERY = "{\n  me { name email role }\n  projects { slug name cursor stages { slug name type state } }\n}\n";

export function graphiqlRoutes(endpoint: string): Router {
  const config = {
    endpoint,
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: JSON.stringify({ Authorization: "Bearer PASTE_YOUR_TOKEN_HERE" }, null, 2),
  };
  // `<` escaped so nothing in the config can close the script element.
  const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Pergola GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script id="graphiql-config" type="application/json">${JSON.stringify(config).replace(/</g, "\\u003c")}</script>
  <script type="module" src="/graphiql/assets/graphiql.js"></script>
</body>
</html>
`;
  const router = express.Router();
  router.get("/", (_req, res) => {
    if (!existsSync(`${ASSETS}graphiql.js`)) {
      res.status(503).type("text").send("GraphiQL is not built: run `npm run build -w @pergola/api`.\n");
      return;
    }
    res.type("html").send(page);
  });
  router.use("/assets", express.static(ASSETS, { fallthrough: false, index: false }));
  return router;
}
