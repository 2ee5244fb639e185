// The hello service: shows the Stage's GREETING and counts visits in a file on its storage.
import { createServer } from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dataDir = process.env.PERGOLA_STORAGE_DATA ?? "./data";
mkdirSync(dataDir, { recursive: true });
const counter = join(dataDir, "visits");

function countVisit() {
  let visits = 0;
  try {
    visits = Number(readFileSync(counter, "utf8")) || 0;
  } catch {}
  visits += 1;
  writeFileSync(counter, String(visits));
  return visits;
}

const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return;
  }
  const visits = countVisit();
  const greeting = process.env.GREETING ?? "Hello";
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><title>hello</title><h1>${escapeHtml(greeting)}</h1><p>Visit number ${visits}.</p>\n`);
});

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`hello listening on http://${host}:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
