/**
 * The baseline: the least a server can do to push a PostgreSQL NOTIFY to N WebSockets.
 * A bare `ws` server that LISTENs on a channel and, per NOTIFY, builds one message (the same
 * shape and size as a graphql-ws `next` message of Pergola's stageChanged) once and writes the
 * same bytes to every open socket. No protocol, no auth, no GraphQL, no database read.
 *
 * Environment: BENCH_DATABASE_URL, BENCH_CHANNEL (the LISTEN channel), BENCH_PAYLOAD_BYTES
 * (message size to pad to, default 200). The NOTIFY payload is the event's name ("n7", "w0"),
 * echoed in the message so the load generator can tell events apart.
 */
import postgres from "postgres";
import { WebSocketServer } from "ws";
import { serveChild } from "./child-side.mjs";

const url = process.env.BENCH_DATABASE_URL;
const channel = process.env.BENCH_CHANNEL;
const targetBytes = Number(process.env.BENCH_PAYLOAD_BYTES ?? 200);
if (!url || !channel) {
  console.error("baseline-server: set BENCH_DATABASE_URL and BENCH_CHANNEL");
  process.exit(2);
}

const sql = postgres(url, { max: 1, onnotice: () => {} });
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
await new Promise((resolve, reject) => {
  wss.once("listening", resolve);
  wss.once("error", reject);
});
wss.on("connection", (ws) => ws.on("error", () => {}));

// A graphql-ws `next` message as Pergola sends it, padded to the same size.
const id = "00000000-0000-4000-8000-000000000000";
function message(name) {
  const body = {
    id,
    type: "next",
    payload: { data: { stageChanged: { cursor: "0", kind: "STAGE_UPDATED", stage: { slug: "s1", name, state: "RUNNING" } } } },
  };
  const bare = JSON.stringify(body);
  const missing = targetBytes - Buffer.byteLength(bare) - ',"pad":""'.length;
  return missing > 0 ? JSON.stringify({ ...body, pad: "x".repeat(missing) }) : bare;
}

const { unlisten } = await sql.listen(channel, (name) => {
  const data = Buffer.from(message(name)); // serialized once per event, the same bytes for every socket
  for (const ws of wss.clients) if (ws.readyState === 1) ws.send(data);
});

const { port } = wss.address();
serveChild({ url: `ws://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }, async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => wss.close(() => resolve()));
  await unlisten();
  await sql.end({ timeout: 5 });
});
