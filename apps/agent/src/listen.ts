/** Starts an HTTP server of the agent's (the links gateway, /healthz) and says where it listens. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Resolves with `http://host:port` once `server` listens; rejects when it cannot (the port is taken, say). */
export async function listenHttp(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
}
