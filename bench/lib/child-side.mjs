/**
 * The child half of a benchmark server (pergola-server.mjs, baseline-server.mjs): announce the
 * server's URL as one JSON line on stdout, then answer the load generator's IPC requests, each
 * `{ type, id, … }` answered by `{ type: "reply", id, … }` (or `{ type: "reply", id, error }`):
 *   stats { gc }          → { cpu: process.cpuUsage(), memory: process.memoryUsage() }, after a full GC when `gc`
 *   profile-start         → starts the V8 CPU profiler (so only the measured part is profiled)
 *   profile-stop { path } → writes the .cpuprofile to `path`
 * and `{ type: "close" }` closes the server and exits 0. The child also exits when the parent
 * goes away (IPC disconnect), so nothing outlives a run.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

export function serveChild(info, close) {
  let closing = false;
  const shutdown = async (code) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(code || 1), 10_000);
    timer.unref();
    try {
      await close();
    } catch (error) {
      console.error(`bench child: close failed: ${error?.stack ?? error}`);
      code = 1;
    }
    process.exit(code);
  };

  const handlers = {
    stats({ gc }) {
      if (gc && typeof globalThis.gc === "function") {
        globalThis.gc();
        globalThis.gc();
      }
      return { cpu: process.cpuUsage(), memory: process.memoryUsage() };
    },
    "profile-start": startProfile,
    "profile-stop": ({ path }) => stopProfile(path),
  };

  process.on("message", (message) => {
    if (message?.type === "close") return void shutdown(0);
    const handler = handlers[message?.type];
    if (!handler) return;
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (result) => process.send?.({ type: "reply", id: message.id, ...result }),
        (error) => process.send?.({ type: "reply", id: message.id, error: String(error?.stack ?? error) }),
      );
  });
  process.on("disconnect", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGINT", () => void shutdown(0));
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

let session;

async function startProfile() {
  if (session) throw new Error("the profiler is already running");
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return {};
}

async function stopProfile(path) {
  if (!session) throw new Error("the profiler was not started");
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  session = undefined;
  await writeFile(path, JSON.stringify(profile));
  return {};
}
