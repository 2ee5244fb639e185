/**
 * GET /graphiql: the page and its static build (apps/api/graphiql, bundled into dist/graphiql
 * by the API's build) answer, load nothing from elsewhere, and in Chromium run a query against
 * /graphql with the token typed into the Headers tab, which is never written to localStorage,
 * and a subscription over graphql-ws with the same token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, type TestApi } from "../../apps/api/src/testing/harness.js";
import { browserTestsEnabled, launchChromium, screenshot, type Chromium } from "./support/browser.js";
import { UI_TIMEOUT } from "./support/page.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("GraphiQL", () => {
  it("answers a page whose scripts and styles are served here", async () => {
    const res = await fetch(`${api.server.url}/graphiql`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(["/graphiql/assets/graphiql.css", "/graphiql/assets/graphiql.js"]);
    for (const asset of assets) {
      const answer = await fetch(new URL(asset, api.server.url));
      expect([asset, answer.status]).toEqual([asset, 200]);
      expect(answer.headers.get("content-type")).toMatch(asset.endsWith(".js") ? /javascript/ : /^text\/css/);
      expect((await answer.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect((await fetch(`${api.server.url}/graphiql/assets/nothing.js`)).status).toBe(404);
  });
});

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("GraphiQL in Chromium", () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  it("runs a query and a subscription with the token of the Headers tab and keeps the token out of localStorage", async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const outside: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(api.server.url)) outside.push(request.url());
    });
    try {
      await page.goto(`${api.server.url}/graphiql`);
      await page.locator(".graphiql-container").waitFor({ timeout: UI_TIMEOUT });
      const headers = `{ "Authorization": "Bearer ${api.adminToken}" }`;
      // The tools area opens on the Headers tab (defaultEditorToolsVisibility: "headers").
      const editor = page.locator(".graphiql-editor-tool .CodeMirror:visible");
      await editor.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(headers);
      await editor.getByText(api.adminToken.slice(0, 12)).waitFor({ timeout: UI_TIMEOUT });
      const history = () =>
        page.evaluate(() => JSON.parse(localStorage.getItem("graphiql:queries") ?? '{"queries":[]}').queries.length as number);
      const before = await history();
      await page.locator(".graphiql-execute-button").click();
      await page.locator(".result-window").getByText("admin@localhost").waitFor({ timeout: UI_TIMEOUT });
      // The history (which keeps each query's headers) has recorded this run.
      await page.waitForFunction(
        (n) => JSON.parse(localStorage.getItem("graphiql:queries") ?? '{"queries":[]}').queries.length > n,
        before,
        { timeout: UI_TIMEOUT },
      );
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
      expect(stored).not.toContain(api.adminToken);

      // A subscription goes over graphql-ws with the same token: a Stage created meanwhile shows.
      const project = await createTestProject(api);
      const { project: p } = await api.ok(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
      const query = page.locator(".graphiql-query-editor .CodeMirror");
      await query.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(`subscription { stageChanged(project: "${project}", after: "${p.cursor}") { kind stage { slug } } }`);
      await page.locator(".graphiql-execute-button").click();
      await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "seen-in-graphiql", type: DEV }) { slug } }`, {
        p: project,
      });
      await page.locator(".result-window").getByText("seen-in-graphiql").waitFor({ timeout: UI_TIMEOUT });
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    } catch (error) {
      await screenshot(page, "graphiql-failure").catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  });
});
