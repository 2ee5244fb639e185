/**
 * The links gateway against the path and Host tricks that bypassed an ingress: an app whose only
 * ingress is `/public`, behind the real gateway, with a real upstream that records every request
 * it receives. Requests are written raw on a socket, so the bytes are exactly the attacker's.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { validateManifest } from "@pergola/runtime";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway, type LinkStage } from "./gateway.js";

let upstream: Server;
let gateway: Gateway;
const received: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received.push(req.url!);
    res.end(`upstream saw ${req.url}`);
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  const port = (upstream.address() as AddressInfo).port;
  const result = validateManifest({
    version: "v1",
    components: [{ name: "web", command: "node", ports: [port], ingresses: [{ host: "app", path: "/public", port }] }],
  });
  if (!result.valid) throw new Error(JSON.stringify(result.problems));
  const stage: LinkStage = {
    suspended: false,
    manifest: result.manifest,
    components: [{ name: "web", host: "127.0.0.1", state: "RUNNING" }],
  };
  gateway = await createGateway({
    publicUrl: "http://agent.example:8000",
    listen: { host: "127.0.0.1", port: 0 },
    stages: { getStage: (key) => (key === "shop/dev" ? stage : undefined) },
    logger: pino({ level: "silent" }),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  upstream?.close();
});
beforeEach(() => {
  received.length = 0;
});

/** One HTTP/1.1 request written as given; the status and body of the answer. */
async function raw(target: string, hosts: string[] = ["agent.example:8000"]): Promise<{ status: number; body: string }> {
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), "127.0.0.1");
  await once(socket, "connect");
  socket.write(`GET ${target} HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join("")}Connection: close\r\n\r\n`);
  let text = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => (text += chunk));
  await once(socket, "close");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

const HOST_FORM = "app.dev.shop.localhost:8000";

describe("the links gateway forwards exactly the normalized path", () => {
  it.each<[string, string]>([
    ["/public/x", "/public/x"],
    ["/public", "/public"],
    ["/public/a/../b", "/public/b"],
    ["/public/%2e/b", "/public/b"],
    ["/public/./x?q=1&r=..%2f", "/public/x?q=1&r=..%2f"],
    ["/public/a%20b", "/public/a%20b"],
    ["/public\\x", "/public/x"],
  ])("%s → %s, in both forms", async (path, forwarded) => {
    expect(await raw(`/s/shop/dev/app${path}`)).toEqual({ status: 200, body: `upstream saw ${forwarded}` });
    expect(await raw(path, [HOST_FORM])).toEqual({ status: 200, body: `upstream saw ${forwarded}` });
    expect(received).toEqual([forwarded, forwarded]);
  });
});

describe("the links gateway is not bypassed", () => {
  it.each<[string, number]>([
    ["/public/../admin", 404],
    ["/public/%2e%2e/admin", 404],
    ["/public/%2E%2e/admin", 404],
    ["/public/.%2e/admin", 404],
    ["/public/%2e./admin", 404],
    ["/public/..\\admin", 404],
    ["/public\\..\\admin", 404],
    ["/public/x/../../admin", 404],
    ["/publicadmin", 404],
    ["/public/..%5cadmin", 400],
    ["/public%2f..%2fadmin", 400],
    ["/public/%2e%2e%2fadmin", 400],
    ["/public/%2e%2e%5cadmin", 400],
    ["/public/%00/x", 400],
    ["/public/%zz", 400],
    [`/public/${"a".repeat(9000)}`, 414],
  ])("%s → %i, in both forms, and nothing reaches the upstream", async (path, status) => {
    expect((await raw(`/s/shop/dev/app${path}`)).status).toBe(status);
    expect((await raw(path, [HOST_FORM])).status).toBe(status);
    expect(received).toEqual([]);
  });

  it("reads a path form climbing out of its link as the link it lands in", async () => {
    expect((await raw("/s/shop/dev/app/../admin/public")).status).toBe(404);
    expect((await raw("/s/shop/dev/app/public/../../other/public")).status).toBe(404);
    expect(received).toEqual([]);
    expect(await raw("/s/shop/dev/other/../app/public/x")).toEqual({ status: 200, body: "upstream saw /public/x" });
  });

  it("reads the Host as a name: any case, a port or not, a trailing dot; refuses two Hosts and absolute targets", async () => {
    for (const host of [
      "APP.Dev.SHOP.localhost:8000",
      "app.dev.shop.localhost",
      "app.dev.shop.localhost.",
      "app.dev.shop.localhost.:8000",
    ]) {
      expect(await raw("/public/y", [host]), host).toEqual({ status: 200, body: "upstream saw /public/y" });
    }
    expect((await raw("/public/y", ["agent.example:8000", HOST_FORM])).status).toBe(400);
    expect((await raw("/public/y", [HOST_FORM, "admin.dev.shop.localhost"])).status).toBe(400);
    expect((await raw("http://app.dev.shop.localhost/public/y", [HOST_FORM])).status).toBe(400);
    expect(received).toEqual(["/public/y", "/public/y", "/public/y", "/public/y"]);
  });
});
