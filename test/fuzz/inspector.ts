/**
 * A full garbage collection in another Node process, through its inspector (`--inspect`): so that
 * a memory figure measures what the process holds, not when V8 last happened to collect.
 */
import WebSocket from "ws";

/** The inspector's WebSocket URL from the process's output ("Debugger listening on ws://…"). */
export function findInspectorUrl(output: string): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no inspector URL in the process's output:\n${output.slice(0, 2000)}`);
  return url;
}

/** Runs `HeapProfiler.collectGarbage` (a full, compacting GC) and resolves when it is done. */
export function collectGarbage(inspectorUrl: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(inspectorUrl);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no answer from the inspector within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve();
    };
    socket.on("open", () => socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" })));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
      if (message.id === 1) done(message.error ? new Error(message.error.message) : undefined);
    });
    socket.on("error", (error) => done(error));
  });
}
