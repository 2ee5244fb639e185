/**
 * The floor of `replay`: a bare `ws` server on PostgreSQL that, per connection
 * `?project=<id>&after=<seq>`, reads the log with the same keyset SELECT the API uses (500 rows a
 * page) and writes one small JSON message per row, each page once the socket holds at most
 * 1 MiB, then `"done"`. No GraphQL, no subscription protocol. Prints `{ url, wsUrl }`.
 *
 * Environment: BENCH_DATABASE_URL.
 */
import { createServer } from "node:http";
import pg from "pg";
import { WebSocketServer } from "ws";
import { serveChild } from "./child-side.mjs";

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 4 });
const http = createServer();
const wss = new WebSocketServer({ server: http });

wss.on("connection", (ws, request) => {
  const query = new URL(request.url ?? "/", "http://localhost").searchParams;
  const project = query.get("project");
  let after = query.get("after") ?? "0";
  void (async () => {
    for (;;) {
      const { rows } = await pool.query(
        "select seq, kind, payload, actor, at from events where project_id = $1 and seq > $2 order by seq limit 500",
        [project, after],
      );
      for (const row of rows) ws.send(JSON.stringify({ cursor: row.seq, kind: row.kind }));
      if (rows.length < 500) break;
      after = rows[rows.length - 1].seq;
      while (ws.readyState === ws.OPEN && ws.bufferedAmount > 1024 * 1024)
        await new Promise((resolve) => request.socket.once("drain", resolve));
    }
    ws.send('"done"');
  })().catch((error) => ws.close(1011, String(error).slice(0, 100)));
});

http.listen(0, "127.0.0.1", () => {
  const { port } = http.address();
  serveChild({ url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }, async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => http.close(resolve));
    await pool.end();
  });
});
