/** The parts every links gateway shares: which link a request names, and which ingress serves it. */
import { describe, expect, it } from "vitest";
import { validateManifest } from "../manifest/validate-manifest.js";
import { getIngress } from "./ingress.js";
import { parseLinkRequest } from "./link-request.js";

describe("parseLinkRequest", () => {
  it("reads the host form under the given domains only", () => {
    const domains = ["apps.example.com", "localhost"];
    expect(parseLinkRequest({ url: "/a", headers: { host: "web.dev.shop.apps.example.com" } }, domains)).toMatchObject({
      project: "shop",
      stage: "dev",
      host: "web",
      path: "/a",
    });
    expect(parseLinkRequest({ url: "/a", headers: { host: "web.dev.shop.localhost:4000" } }, domains)).toMatchObject({ project: "shop" });
    // The dots of the domain are dots: appsXexample.com is another domain.
    expect(parseLinkRequest({ url: "/a", headers: { host: "web.dev.shop.appsXexample.com" } }, domains)).toBeNull();
    expect(parseLinkRequest({ url: "/a", headers: { host: "web.dev.shop.apps.example.com" } })).toBeNull();
  });

  it("reads the path form and strips the link's prefix, keeping the query", () => {
    expect(parseLinkRequest({ url: "/s/shop/dev/app/a/b?x=1", headers: { host: "agent:8000" } })).toEqual({
      project: "shop",
      stage: "dev",
      host: "app",
      path: "/a/b",
      url: "/a/b?x=1",
    });
    expect(parseLinkRequest({ url: "/s/shop/dev/app?x=1", headers: {} })).toMatchObject({ path: "/", url: "/?x=1" });
  });

  it("reads the host form (any case, any port) before the path", () => {
    expect(parseLinkRequest({ url: "/s/x/y/z/?q", headers: { host: "App.Dev.Shop.localhost:4000" } })).toEqual({
      project: "shop",
      stage: "dev",
      host: "app",
      path: "/s/x/y/z/",
      url: "/s/x/y/z/?q",
    });
  });

  it("normalizes the path once, and refuses what encoding or length would change", () => {
    expect(parseLinkRequest({ url: "/s/shop/dev/app/a/%2e%2e/b\\c?q", headers: {} })).toMatchObject({ path: "/b/c", url: "/b/c?q" });
    expect(parseLinkRequest({ url: "/a/../b", headers: { host: "App.Dev.Shop.localhost.:80" } })).toMatchObject({
      host: "app",
      path: "/b",
    });
    expect(parseLinkRequest({ url: "/s/shop/dev/app/a%2fb", headers: {} })).toEqual({
      refusal: { status: 400, reason: "the path has an encoded /, \\ or NUL" },
    });
    expect(parseLinkRequest({ url: `/s/shop/dev/app/${"a".repeat(9000)}`, headers: {} })).toMatchObject({ refusal: { status: 414 } });
    const twoHosts = { url: "/", headers: { host: "app.dev.shop.localhost" }, rawHeaders: ["Host", "app.dev.shop.localhost", "host", "x"] };
    expect(parseLinkRequest(twoHosts)).toMatchObject({ refusal: { status: 400 } });
    // Not a link: the API answers it, refusal or not.
    expect(parseLinkRequest({ url: "/graphql%2f", headers: { host: "127.0.0.1" } })).toBeNull();
  });

  it("is null for what is not a link", () => {
    for (const url of ["/graphql", "/s/shop/dev", "/s/Shop/dev/app/", "/s/shop/dev/a.b/"]) {
      expect(parseLinkRequest({ url, headers: { host: "127.0.0.1:4000" } }), url).toBeNull();
    }
    expect(parseLinkRequest({ url: "/", headers: { host: "dev.shop.localhost" } })).toBeNull();
  });
});

describe("getIngress", () => {
  const result = validateManifest({
    version: "v1",
    components: [
      { name: "web", command: "node web.js", ports: [80], ingresses: [{ host: "app", port: 80 }] },
      { name: "api", command: "node api.js", ports: [81], ingresses: [{ host: "app", path: "/api", port: 81 }] },
    ],
  });
  if (!result.valid) throw new Error(JSON.stringify(result.problems));
  const manifest = result.manifest;

  it("takes the longest path prefix, by whole segments", () => {
    expect(getIngress(manifest, "app", "/api")).toEqual({ component: "api", port: 81, path: "/api" });
    expect(getIngress(manifest, "app", "/api/v1/x")).toMatchObject({ component: "api" });
    expect(getIngress(manifest, "app", "/apix")).toMatchObject({ component: "web" });
    expect(getIngress(manifest, "app", "/")).toMatchObject({ component: "web", port: 80 });
  });

  it("is undefined for another host or no manifest", () => {
    expect(getIngress(manifest, "admin", "/")).toBeUndefined();
    expect(getIngress(null, "app", "/")).toBeUndefined();
  });
});
