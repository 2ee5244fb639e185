/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core), against Pergola
 * started as `npm start` starts it: API, local agent and dashboard. One stack for the file (it
 * takes seconds to start); every test makes its own Project through the API. Changes "made
 * elsewhere" go through the API, never the page; every wait is on a page condition with a
 * timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { spawnOutpostAgent, type OutpostAgent } from "./support/outpost-agent.js";
import { openProject, openStage, signIn, stageRow, UI_TIMEOUT, untilEqual } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("the dashboard in Chromium", () => {
  let stack: Stack;
  let pergola: Pergola;
  const agents: OutpostAgent[] = [];
  let n = 0;

  /** A Project of the test's own, made through the API. */
  async function newProject(label: string): Promise<{ slug: string; name: string }> {
    const name = `${label} ${Date.now().toString(36)}${++n}`;
    const { createProject } = await pergola.gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug name } }`, { n: name });
    return createProject;
  }

  const newPage = (width?: number, height?: number): Promise<Page> => stack.signedInPage(width, height);

  beforeAll(async () => {
    stack = await startStack({ signIn: true });
    pergola = stack.pergola;
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await agent.kill();
    // Stops npm start with SIGTERM and fails if any process it started is left.
    await stack?.stop();
  }, 60_000);

  it("signs in with an access key and creates a Project", async () => {
    const context = await stack.newContext();
    const page = await context.newPage();
    await page.goto(pergola.dashboard);
    await page.getByLabel("Email", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await signIn(page, pergola.dashboard, pergola.token);
    // The session lives in an httpOnly cookie, out of the page's scripts' reach.
    const cookies = await context.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies.filter((c) => c.value.includes(pergola.token))) expect(cookie.httpOnly).toBe(true);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie)).not.toContain(pergola.token);

    const name = `Browser Project ${Date.now().toString(36)}`;
    // The header's button (an empty list shows a second one).
    await page
      .getByRole("button", { name: /new project/i })
      .first()
      .click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill(name);
    await dialog.getByRole("button", { name: "CREATE" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const link = page.getByRole("link", { name });
    await link.waitFor({ timeout: UI_TIMEOUT });
    const { projects } = await pergola.gql(`{ projects { name slug } }`);
    expect(projects.map((p: { name: string }) => p.name)).toContain(name);
    await screenshot(page, "projects");
    await link.click();
    await page.getByRole("button", { name: "+ NEW STAGE" }).first().waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-list-empty");
  });

  it("creates a Stage in the dialog: derived ID, a taken ID on the field, an Outpost URI validated with its facts", async () => {
    const project = await newProject("Dialog");
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Existing", type: DEV }) { slug } }`, {
      p: project.slug,
    });
    const slug = `berlin-${Date.now().toString(36)}`;
    const { createOutpost } = await pergola.gql(
      `mutation($n: String!, $s: String!) { createOutpost(input: { name: $n, slug: $s, description: "Line 2 controller", region: "eu-central", labels: ["site=berlin"] }) { outpost { uri } } }`,
      { n: `Factory ${slug}`, s: slug },
    );
    const uri: string = createOutpost.outpost.uri;

    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await page.getByRole("button", { name: "+ NEW STAGE" }).first().click();
    const dialog = page.getByRole("dialog");
    const id = dialog.getByLabel("Stage ID");
    const create = dialog.getByRole("button", { name: "CREATE" });

    await dialog.getByLabel("Name").pressSequentially("My New Stage");
    await untilEqual(() => id.inputValue(), "my-new-stage");

    // A taken ID: the API's CONFLICT is shown on the Stage ID field.
    await id.fill("existing");
    if (await create.isEnabled()) await create.click();
    await dialog.getByText(/taken/i).first().waitFor({ timeout: UI_TIMEOUT });
    await untilEqual(() => id.getAttribute("aria-invalid"), "true");
    await screenshot(page, "new-stage-conflict");
    await id.fill("my-new-stage");

    await dialog.getByLabel("THIS STAGE IS AN OUTPOST").check();
    await dialog.getByLabel("Outpost URI").fill(uri);
    await dialog.getByRole("button", { name: "VALIDATE" }).click();
    for (const fact of ["Line 2 controller", "eu-central", "site=berlin"])
      await dialog.getByText(fact).first().waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "new-stage-outpost-validated");
    await untilEqual(() => create.isEnabled(), true);
    await create.click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    // CREATE opens the new Stage's page.
    await page.waitForURL(/\/stages\/my-new-stage$/, { timeout: UI_TIMEOUT });

    const { stage } = await pergola.gql(`query($p: String!) { stage(project: $p, slug: "my-new-stage") { name isOutpost } }`, {
      p: project.slug,
    });
    expect(stage).toEqual({ name: "My New Stage", isOutpost: true });
  });

  it("shows a Project created through the API in the open Project list within 2 s, without reload", async () => {
    const page = await newPage();
    await page.goto(pergola.dashboard);
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // Made once the page has its list, Projects can reach it only through its subscription.
    const before = await newProject("Listed");
    await page.getByTestId(`project-${before.slug}`).waitFor({ timeout: UI_TIMEOUT });
    const created = Date.now();
    const project = await newProject("Arrives");
    await page.getByTestId(`project-${project.slug}`).waitFor({ timeout: 2_000 });
    expect(Date.now() - created).toBeLessThan(2_000);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it("shows a Stage created and then suspended through the API within 2 s, without reload", async () => {
    const project = await newProject("Live");
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const created = Date.now();
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Live One", type: QA }) { slug } }`, {
      p: project.slug,
    });
    const row = stageRow(page, "live-one");
    await row.waitFor({ timeout: 2_000 });
    expect(Date.now() - created).toBeLessThan(2_000);

    const suspended = Date.now();
    await pergola.gql(`mutation($p: String!) { suspendStage(project: $p, slug: "live-one") { state } }`, { p: project.slug });
    await row.getByTestId("stage-state").filter({ hasText: "SUSPENDED" }).waitFor({ timeout: 2_000 });
    expect(Date.now() - suspended).toBeLessThan(2_000);

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, "stage-list");
  });

  it("deletes a Stage from its page (archived), lists it among the archived, and restores it into the live list", async () => {
    const project = await newProject("Archive");
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Old One", type: DEV }) { slug } }`, {
      p: project.slug,
    });
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await openStage(page, "old-one");
    await page.getByRole("button", { name: "DELETE" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete Old One?" });
    await confirm.getByText(/storage, Releases and Configurations are\s+kept/).waitFor({ timeout: UI_TIMEOUT });
    await confirm.getByRole("button", { name: "DELETE" }).click();
    // Back on the Project: the Stage is out of the list, among the archived ones.
    const archived = page.getByTestId("archived-stages");
    await archived.waitFor({ timeout: UI_TIMEOUT });
    expect(await stageRow(page, "old-one").count()).toBe(0);
    await archived.locator("summary").click();
    await archived.getByTestId("archived-old-one").getByRole("button", { name: "RESTORE" }).click();
    await stageRow(page, "old-one").waitFor({ timeout: UI_TIMEOUT });
    await archived.waitFor({ state: "detached", timeout: UI_TIMEOUT });
    const { stage } = await pergola.gql(`query($p: String!) { stage(project: $p, stage: "old-one") { state archivedAt } }`, {
      p: project.slug,
    });
    expect(stage).toEqual({ state: "RUNNING", archivedAt: null });

    // A PROD Stage deleted elsewhere shows up among the archived at once; PURGE asks for its Stage ID.
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Old Prod", type: PROD }) { slug } }`, {
      p: project.slug,
    });
    await pergola.gql(`mutation($p: String!) { deleteStage(project: $p, stage: "old-prod") }`, { p: project.slug });
    await archived.locator("summary").click();
    await archived.getByTestId("archived-old-prod").getByRole("button", { name: "PURGE" }).click();
    const purge = page.getByRole("dialog", { name: "Purge Old Prod?" });
    const purgeButton = purge.getByRole("button", { name: "PURGE" });
    expect(await purgeButton.isDisabled()).toBe(true);
    await purge.getByLabel(/Type the Stage ID/).fill("old-prod");
    await screenshot(page, "purge-stage");
    await purgeButton.click();
    await archived.waitFor({ state: "detached", timeout: UI_TIMEOUT });
    expect(await stageRow(page, "old-prod").count()).toBe(0);
    const { stages } = await pergola.gql(`query($p: String!) { stages(project: $p, archived: true) { slug } }`, { p: project.slug });
    expect(stages).toEqual([]);
  });

  it("deletes a Project from its page (archived) and restores it from the Projects page", async () => {
    const project = await newProject("Gone");
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await page.getByRole("button", { name: "DELETE PROJECT" }).click();
    await page
      .getByRole("dialog", { name: `Delete ${project.name}?` })
      .getByRole("button", { name: "DELETE", exact: true })
      .click();
    // On the Projects page: not among the live ones, among the archived.
    const archived = page.getByTestId("archived-projects");
    await archived.waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId(`project-${project.slug}`).count()).toBe(0);
    await archived.locator("summary").click();
    await archived.getByTestId(`archived-project-${project.slug}`).getByRole("button", { name: "RESTORE" }).click();
    await page.getByTestId(`project-${project.slug}`).waitFor({ timeout: UI_TIMEOUT });
    const { project: restored } = await pergola.gql(`query($p: String!) { project(project: $p) { archivedAt } }`, { p: project.slug });
    expect(restored).toEqual({ archivedAt: null });
  });

  it("pages a long Stage list: LOAD MORE reads the next page, whose Stages follow live updates too", async () => {
    const project = await newProject("Long");
    const slugs = Array.from({ length: 45 }, (_, i) => `s-${String(i).padStart(3, "0")}`);
    for (const slug of slugs) {
      await pergola.gql(
        `mutation($p: String!, $s: String!) { createStage(input: { project: $p, name: $s, slug: $s, type: DEV }) { slug } }`,
        {
          p: project.slug,
          s: slug,
        },
      );
    }
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    const rows = page.locator('[data-testid^="stage-row-"]');
    const shown = () => rows.evaluateAll((all) => all.map((r) => r.getAttribute("data-testid")!.slice("stage-row-".length)));
    // The first page: the 40 oldest, oldest first.
    await stageRow(page, "s-039").waitFor({ timeout: UI_TIMEOUT });
    expect(await shown()).toEqual(slugs.slice(0, 40));
    const more = page.getByRole("button", { name: "Load more Stages" });
    await more.click();
    await stageRow(page, "s-044").waitFor({ timeout: UI_TIMEOUT });
    await more.waitFor({ state: "detached", timeout: UI_TIMEOUT });
    expect(await shown()).toEqual(slugs);
    await screenshot(page, "stage-list-paged");

    // A Stage read on the second page, changed elsewhere; and one created meanwhile, at the end.
    await pergola.gql(`mutation($p: String!) { suspendStage(project: $p, stage: "s-042") { state } }`, { p: project.slug });
    await stageRow(page, "s-042").getByTestId("stage-state").filter({ hasText: "SUSPENDED" }).waitFor({ timeout: 2_000 });
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Late", type: QA }) { slug } }`, {
      p: project.slug,
    });
    await stageRow(page, "late").waitFor({ timeout: 2_000 });
    expect(await shown()).toEqual([...slugs, "late"]);

    // The type filter is the API's: one page of QA Stages, the late one alone.
    await page.getByLabel("Filter by type").selectOption("QA");
    await untilEqual(shown, ["late"]);
  });

  it("shows the Outpost ONLINE in the connection popup, then OFFLINE with a history entry when its agent dies", async () => {
    const project = await newProject("Popup");
    const slug = `edge-${Date.now().toString(36)}`;
    const { createOutpost } = await pergola.gql(
      `mutation($s: String!) { createOutpost(input: { name: $s, slug: $s, region: "edge" }) { agentToken outpost { uri } } }`,
      { s: slug },
    );
    await pergola.gql(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "Edge", type: PROD, outpostUri: $u }) { slug } }`,
      {
        p: project.slug,
        u: createOutpost.outpost.uri,
      },
    );
    const agent = spawnOutpostAgent(pergola.api, createOutpost.agentToken);
    agents.push(agent);

    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await stageRow(page, "edge")
      .getByRole("button", { name: /outpost connection/i })
      .click();
    const popup = page.getByRole("dialog");
    const status = popup.getByTestId("outpost-status");
    await status.filter({ hasText: "ONLINE" }).waitFor({ timeout: 20_000 });
    await screenshot(page, "outpost-popup-online");

    await agent.kill();
    await status.filter({ hasText: "OFFLINE" }).waitFor({ timeout: UI_TIMEOUT });
    await popup.getByTestId("outpost-history").getByText("disconnected").first().waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "outpost-popup-offline");
  });

  it("shows a failed Release on an Outpost: the Stage page says which one goes on serving, the popup's apply errors say why", async () => {
    const project = await newProject("Rollout");
    const p = project.slug;
    const slug = `line-${Date.now().toString(36)}`;
    const { createOutpost } = await pergola.gql(
      `mutation($s: String!) { createOutpost(input: { name: $s, slug: $s, region: "edge" }) { agentToken outpost { uri } } }`,
      { s: slug },
    );
    await pergola.gql(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "Line", type: PROD, outpostUri: $u }) { slug } }`,
      {
        p,
        u: createOutpost.outpost.uri,
      },
    );
    agents.push(spawnOutpostAgent(pergola.api, createOutpost.agentToken));
    const deploy = (build: string) =>
      pergola.gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "line", build: $b }) { number } }`, {
        p,
        b: build,
      });
    const good = await pergola.createHelloBuild(p);
    await deploy(good);

    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await openStage(page, "line");
    await page.getByTestId("current-release").getByText("DEPLOYED").waitFor({ timeout: 60_000 });

    // #2: the same files, but its web service exits at once (and it holds storage: #1's web hands it over, and takes it back).
    const { builds } = await pergola.gql(`query($p: String!) { builds(project: $p, first: 1) { name artifact { sha256 } manifest } }`, {
      p,
    });
    const [build] = builds;
    expect(build.name).toBe(good);
    const manifest = structuredClone(build.manifest);
    manifest.components.find((c: { name: string }) => c.name === "web").command = ["node", "-e", "process.exit(1)"];
    const { createBuild } = await pergola.gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project: p, branch: "broken", artifact: build.artifact.sha256, manifest },
    });
    await deploy(createBuild.name);

    const note = page.getByTestId("rollout-note");
    await note.filter({ hasText: "#2 failed: web: crash-looping before it was ever healthy" }).waitFor({ timeout: 60_000 });
    expect(await note.textContent()).toMatch(/#1 goes on serving\.$/);
    await page.getByTestId("current-release").getByText("#1").waitFor({ timeout: UI_TIMEOUT });
    await page
      .getByTestId("stage-health")
      .filter({ hasText: /^HEALTHY$/ })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, "release-failed-previous-serving");

    await page.getByRole("button", { name: /outpost connection/i }).click();
    const popup = page.getByRole("dialog");
    await popup
      .getByTestId("outpost-errors")
      .getByText(/release #2/)
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await popup.getByTestId("outpost-errors").textContent()).toMatch(/failed: web: crash-looping/);
    await screenshot(page, "outpost-popup-release-failed");
  });

  it("deploys examples/hello with + NEW RELEASE, follows its link, releases a config change, suspends and resumes", async () => {
    const project = await newProject("Hello");
    const p = project.slug;
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
    await pergola.gql(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "GREETING", value: "Hello from the browser test" }] }) { version } }`,
      { p },
    );
    const build = await pergola.createHelloBuild(p);
    // The Stage list stays open beside the Stage page: what the Release does shows there too, live.
    const list = await newPage();
    await openProject(list, pergola.dashboard, project.name);
    await stageRow(list, "dev").waitFor({ timeout: UI_TIMEOUT });

    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await openStage(page, "dev");
    const state = page.getByTestId("stage-state");
    await page.getByRole("button", { name: "+ NEW RELEASE" }).click();
    const dialog = page.getByRole("dialog");
    await untilEqual(() => dialog.getByLabel("Build").inputValue(), build);
    await screenshot(page, "new-release");
    await dialog.getByRole("button", { name: "DEPLOY" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    // The web Component's shareable link, on the page once the Release runs; followed as a person would.
    await page.getByTestId("current-release").getByText("DEPLOYED").waitFor({ timeout: 60_000 });
    const link = page.getByTestId("component-web").locator(`a[href*="/s/${p}/dev/hello/"]`).first();
    await link.waitFor({ timeout: UI_TIMEOUT });
    const href = (await link.getAttribute("href"))!;
    expect(await link.textContent()).toBe(href);
    const [visitor] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await visitor!.getByText("Hello from the browser test").waitFor({ timeout: UI_TIMEOUT });
    await visitor!.close();
    await screenshot(page, "stage-page");

    await page.getByRole("button", { name: "CONFIG MANAGEMENT" }).click();
    const config = page.getByRole("dialog");
    await config.getByRole("button", { name: "+ NEW ENTRY" }).click();
    await config.getByLabel("Name", { exact: true }).fill("GREETING");
    await config.getByLabel("Value", { exact: true }).fill("Bonjour");
    await config.getByRole("button", { name: "ADD ENTRY" }).click();
    await screenshot(page, "config-management");
    await config.getByRole("button", { name: "SAVE" }).click();
    // Saved: the dialog shows the Configuration's new version (its "Saved as version 2" note
    // goes when the page reads the Configuration again).
    await config.getByText(/^Version 2,/).waitFor({ timeout: UI_TIMEOUT });
    await config.getByRole("button", { name: "Close" }).click();
    await config.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    const drift = page.getByTestId("config-drift");
    await drift.getByText(/config changed since the running release/i).waitFor({ timeout: UI_TIMEOUT });
    // Nothing changed yet: the change waits for the next Release.
    expect(await (await fetch(href)).text()).toContain("Hello from the browser test");
    await screenshot(page, "config-drift");
    await drift.getByRole("button", { name: "RELEASE CONFIG CHANGE" }).click();
    await drift.waitFor({ state: "hidden", timeout: 60_000 });
    await page.getByTestId("release-2").getByText("DEPLOYED").waitFor({ timeout: 60_000 });
    expect(await (await fetch(href)).text()).toContain("<h1>Bonjour</h1>");

    await page.getByRole("button", { name: "SUSPEND" }).click();
    await state.filter({ hasText: "SUSPENDED" }).waitFor({ timeout: 60_000 });
    expect((await fetch(href)).status).toBe(503);
    await page.getByRole("button", { name: "RESUME" }).click();
    await state.filter({ hasText: "RUNNING" }).waitFor({ timeout: 60_000 });
    await page.getByTestId("component-web").getByText("HEALTHY", { exact: true }).waitFor({ timeout: 60_000 });
    expect(await (await fetch(href)).text()).toContain("<h1>Bonjour</h1>");
    await page
      .getByTestId("stage-health")
      .filter({ hasText: /^HEALTHY$/ })
      .waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-resumed");

    // The Monitoring tab: the health over the last hour (HEALTHY now), both Releases as markers, restarts.
    await page.getByRole("tab", { name: "Monitoring" }).click();
    const monitoring = page.getByTestId("monitoring");
    await monitoring.getByTestId("deploy-marker-2").waitFor({ timeout: UI_TIMEOUT });
    await monitoring.getByTestId("deploy-marker-1").waitFor({ timeout: UI_TIMEOUT });
    const band = monitoring.getByTestId("health-band");
    await band.locator('[data-health="HEALTHY"]').last().waitFor({ timeout: UI_TIMEOUT });
    expect(await band.locator("[data-health]").last().getAttribute("data-health")).toBe("HEALTHY");
    await monitoring.getByTestId("monitoring-web").getByText("HEALTHY", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    // CPU and memory: the agent samples every 10 s; the first sample fills the table, and the charts draw.
    await monitoring
      .getByTestId("memory-web")
      .filter({ hasText: /\d+(\.\d)? (KiB|MiB|GiB)/ })
      .waitFor({ timeout: 30_000 });
    expect(await monitoring.getByTestId("cpu-web").textContent()).toMatch(/^\d+(\.\d)? %$/);
    await monitoring.getByTestId("cpu-chart").locator("canvas").waitFor({ timeout: UI_TIMEOUT });
    await monitoring.getByTestId("memory-chart").locator("canvas").waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-monitoring");
    await page.getByRole("tab", { name: "Overview" }).click();
    // The Stage list, read again now that there are samples, draws the Stage's CPU sparkline.
    await list.reload();
    await stageRow(list, "dev").locator('svg[data-testid="stage-sparkline"]').waitFor({ timeout: UI_TIMEOUT });
    const row = stageRow(list, "dev");
    await row.getByText(`#2 ${build}`).waitFor({ timeout: UI_TIMEOUT });
    await row.getByTestId("stage-state").filter({ hasText: "RUNNING" }).waitFor({ timeout: UI_TIMEOUT });
    await row
      .getByTestId("stage-health")
      .filter({ hasText: /^HEALTHY$/ })
      .waitFor({ timeout: UI_TIMEOUT });
  }, 180_000);

  it("stops, starts and restarts a service and runs a job now from the Stage page; the Components follow live", async () => {
    const project = await newProject("Control");
    const p = project.slug;
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
    const build = await pergola.createHelloBuild(p);
    await pergola.gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { id } }`, {
      p,
      b: build,
    });
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await openStage(page, "dev");
    await page.getByTestId("current-release").getByText("DEPLOYED").waitFor({ timeout: 60_000 });
    const web = page.getByTestId("component-web");
    const migrate = page.getByTestId("component-migrate");
    await migrate.getByText("COMPLETED", { exact: true }).waitFor({ timeout: 60_000 });
    const link = `${pergola.api}/s/${p}/dev/hello/`;

    await web.getByRole("button", { name: "STOP web", exact: true }).click();
    await web.getByText("STOPPED", { exact: true }).waitFor({ timeout: 30_000 });
    expect((await fetch(link)).status).toBe(503);
    await untilEqual(() => web.getByRole("button", { name: "RESTART web", exact: true }).isDisabled(), true);
    await screenshot(page, "component-stopped");

    await web.getByRole("button", { name: "START web", exact: true }).click();
    await web.getByText("HEALTHY", { exact: true }).waitFor({ timeout: 30_000 });
    expect((await fetch(link)).status).toBe(200);

    // Each start of hello's server says so in its output, which the page follows: a restart adds one.
    const starts = async () => ((await web.getByRole("log").textContent()) ?? "").split("hello listening").length - 1;
    await untilEqual(starts, 2, 30_000);
    await web.getByRole("button", { name: "RESTART web", exact: true }).click();
    await untilEqual(starts, 3, 30_000);
    await web.getByText("HEALTHY", { exact: true }).waitFor({ timeout: 30_000 });

    await migrate.getByRole("button", { name: "RUN NOW migrate", exact: true }).click();
    await untilEqual(
      async () => /migrating for release[\s\S]*migrating for release/.test((await migrate.textContent()) ?? ""),
      true,
      30_000,
    );

    // A suspended Stage takes no commands: the buttons say why.
    await pergola.gql(`mutation($p: String!) { suspendStage(project: $p, stage: "dev") { state } }`, { p });
    await page.getByTestId("stage-state").filter({ hasText: "SUSPENDED" }).waitFor({ timeout: 60_000 });
    const stop = web.getByRole("button", { name: /^(STOP|START) web$/ });
    await untilEqual(() => stop.getAttribute("title"), "The Stage is SUSPENDED");
    expect(await stop.isDisabled()).toBe(true);
  }, 180_000);

  it("shows 'reconnecting' while the socket is down and, once it is back, every change made meanwhile", async () => {
    const project = await newProject("Socket");
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Before", type: DEV }) { slug } }`, {
      p: project.slug,
    });
    const page = await newPage();
    // Every WebSocket of the page goes through this route: passed to the server while `up`,
    // refused (closed at once, "try again later") while not.
    let up = true;
    const open = new Set<{ close(options?: { code?: number; reason?: string }): Promise<void> }>();
    await page.routeWebSocket(/.*/, (ws) => {
      if (!up) return void ws.close({ code: 1013, reason: "e2e: socket down" });
      ws.connectToServer();
      open.add(ws);
    });
    await openProject(page, pergola.dashboard, project.name);
    await stageRow(page, "before").waitFor({ timeout: UI_TIMEOUT });
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    up = false;
    for (const ws of open) await ws.close({ code: 1012, reason: "e2e: dropped" });
    open.clear();
    const banner = page.getByRole("status").filter({ hasText: /reconnecting/i });
    await banner.waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "reconnecting");

    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Meanwhile", type: QA }) { slug } }`, {
      p: project.slug,
    });
    await pergola.gql(`mutation($p: String!) { suspendStage(project: $p, slug: "before") { state } }`, { p: project.slug });
    // Nothing arrives while the socket is down (the page could not have heard of it).
    expect(await stageRow(page, "meanwhile").count()).toBe(0);

    up = true;
    await banner.waitFor({ state: "hidden", timeout: 30_000 });
    await stageRow(page, "meanwhile").waitFor({ timeout: UI_TIMEOUT });
    await stageRow(page, "before").getByTestId("stage-state").filter({ hasText: "SUSPENDED" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it("lists the Outposts for an admin, with their status", async () => {
    const slug = `depot-${Date.now().toString(36)}`;
    await pergola.gql(`mutation($s: String!) { createOutpost(input: { name: $s, slug: $s, region: "north" }) { outpost { uri } } }`, {
      s: slug,
    });
    const page = await newPage();
    await page.goto(pergola.dashboard);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Outposts" }).click();
    const row = page.getByTestId(`outpost-row-${slug}`);
    await row.getByTestId("outpost-status").filter({ hasText: "PENDING" }).waitFor({ timeout: UI_TIMEOUT });
    await row.getByText(`outpost://${slug}`).first().waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "outposts");
  });

  it("is usable 390 px wide", async () => {
    const project = await newProject("Narrow");
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "Phone", type: DEV }) { slug } }`, {
      p: project.slug,
    });
    const page = await newPage(390, 844);
    await openProject(page, pergola.dashboard, project.name);
    await stageRow(page, "phone").waitFor({ timeout: UI_TIMEOUT });
    // Nothing wider than the screen: no sideways scrolling of the whole page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "stage-list-390px");
  });
});
