/**
 * What a newcomer tripped over in the dashboard (issue 15, item 8), in a real browser against
 * Pergola as `npm start` runs it: a taken Stage ID said while typing with a free ID to take,
 * dialogs that open on their first field, the built-in `local` Outpost listed, an icon instead of
 * a /favicon.ico 404, greyed-out PROMOTE and ROLLBACK that say why, and a New Release dialog
 * that can be cancelled. Changes "made elsewhere" go through the API; every wait has a timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { openProject, openStage, UI_TIMEOUT, untilEqual } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

/** Whether `field` has the page's focus. */
const focused = (field: Locator) => field.evaluate((el) => el === document.activeElement);

describe.skipIf(!enabled)("the dashboard for a newcomer", () => {
  let stack: Stack;
  let pergola: Pergola;
  let n = 0;

  async function newProject(label: string): Promise<{ slug: string; name: string }> {
    const name = `${label} ${Date.now().toString(36)}${++n}`;
    const { createProject } = await pergola.gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug name } }`, { n: name });
    return createProject;
  }

  async function createStage(project: string, name: string): Promise<void> {
    await pergola.gql(`mutation($p: String!, $n: String!) { createStage(input: { project: $p, name: $n, type: DEV }) { slug } }`, {
      p: project,
      n: name,
    });
  }

  const newPage = (width?: number, height?: number): Promise<Page> => stack.signedInPage(width, height);

  beforeAll(async () => {
    stack = await startStack({ signIn: true });
    pergola = stack.pergola;
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  it("says a Stage ID is taken while it is typed, before CREATE, and offers the free one the API would", async () => {
    const project = await newProject("Taken");
    await createStage(project.slug, "Existing");
    await createStage(project.slug, "Existing 2");
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await page.getByRole("button", { name: "+ NEW STAGE" }).first().click();
    const dialog = page.getByRole("dialog");
    const name = dialog.getByLabel("Name");
    const id = dialog.getByLabel("Stage ID");
    const message = dialog.getByTestId("stage-id-message");
    const create = dialog.getByRole("button", { name: "CREATE" });

    // The dialog opens on its first field, so typing goes straight into Name.
    await untilEqual(() => focused(name), true, UI_TIMEOUT, "focus on Name when the dialog opens");
    await page.keyboard.type("Existing");
    await untilEqual(() => id.inputValue(), "existing");
    // Taken: said on the field while CREATE was never pressed (it cannot be: it is disabled).
    await message.getByText(/"existing" is taken/).waitFor({ timeout: UI_TIMEOUT });
    expect(await create.isDisabled()).toBe(true);
    expect(await id.getAttribute("aria-invalid")).toBe("true");
    // existing-2 is taken too: the suggestion follows the API's rule, the first free -N.
    const take = message.getByRole("button", { name: "Use existing-3" });
    await take.waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "new-stage-conflict");

    await take.click();
    await untilEqual(() => id.inputValue(), "existing-3");
    await untilEqual(() => create.isEnabled(), true, UI_TIMEOUT, "CREATE enabled on the free ID");
    // Still free after the pause in typing (the Project's Stages read again): no complaint.
    await untilEqual(() => message.textContent(), "Derived from the name; a DNS label, fixed for life.");
    expect(await id.getAttribute("aria-invalid")).toBeNull();

    // A Stage made elsewhere while the dialog is open: the next edit of the ID learns of it.
    await createStage(project.slug, "Meanwhile");
    await id.fill("meanwhile");
    await message.getByText(/"meanwhile" is taken/).waitFor({ timeout: UI_TIMEOUT });
    await message.getByRole("button", { name: "Use meanwhile-2" }).waitFor({ timeout: UI_TIMEOUT });

    await id.fill("existing-3");
    await untilEqual(() => create.isEnabled(), true);
    await create.click();
    await page.waitForURL(`**/projects/${project.slug}/stages/existing-3`, { timeout: UI_TIMEOUT });
    const { stages } = await pergola.gql(`query($p: String!) { stages(project: $p) { slug } }`, { p: project.slug });
    expect(stages.map((s: { slug: string }) => s.slug).sort()).toEqual(["existing", "existing-2", "existing-3", "meanwhile"]);
  });

  it("opens every dialog on its first field, and Escape still closes it", async () => {
    const project = await newProject("Focus");
    await createStage(project.slug, "dev");
    const page = await newPage();
    const opens: { page: string; button: string; field: string }[] = [
      { page: "/", button: "+ NEW PROJECT", field: "Name" },
      { page: `/projects/${project.slug}`, button: "+ NEW STAGE", field: "Name" },
      { page: `/projects/${project.slug}/stages/dev`, button: "+ NEW RELEASE", field: "Build" },
      { page: "/outposts", button: "+ NEW OUTPOST", field: "Name" },
    ];
    for (const open of opens) {
      await page.goto(`${pergola.dashboard}${open.page}`);
      const button = page.getByRole("button", { name: open.button, exact: true }).first();
      await button.click();
      const dialog = page.getByRole("dialog");
      await untilEqual(
        () => focused(dialog.getByLabel(open.field, { exact: true })),
        true,
        UI_TIMEOUT,
        `${open.button}: focus on ${open.field}`,
      );
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
      // Focus goes back to what opened the dialog.
      await untilEqual(() => focused(button), true, UI_TIMEOUT, `${open.button}: focus back on the button`);
    }
  });

  it("lists the built-in local Outpost, with the Stages that run on it", async () => {
    const project = await newProject("Local");
    await createStage(project.slug, "here");
    const page = await newPage();
    await page.goto(pergola.dashboard);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Outposts" }).click();
    const row = page.getByTestId("outpost-row-local");
    await row.waitFor({ timeout: UI_TIMEOUT });
    await row.getByText("BUILT-IN").waitFor({ timeout: UI_TIMEOUT });
    await row.getByText(/not tracked/i).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByText("No Outposts", { exact: true }).count()).toBe(0);
    // Its Stages: every Stage of every Project less those on an Outpost, as the API counts them.
    const { projects, outposts } = await pergola.gql(`{ projects { stages { isOutpost } } outposts { stageCount } }`);
    const local = projects
      .flatMap((p: { stages: { isOutpost: boolean }[] }) => p.stages)
      .filter((s: { isOutpost: boolean }) => !s.isOutpost).length;
    expect(outposts).toEqual([]);
    expect(local).toBeGreaterThan(0);
    await untilEqual(() => row.locator('[data-label="Stages"]').textContent(), String(local));
    await screenshot(page, "outposts-local");

    // 390 px wide too: the row fits, nothing scrolls sideways.
    const narrow = await newPage(390, 844);
    await narrow.goto(`${pergola.dashboard}/outposts`);
    await narrow.getByTestId("outpost-row-local").getByText("BUILT-IN").waitFor({ timeout: UI_TIMEOUT });
    expect(await narrow.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(narrow, "outposts-local-390px");
  });

  it("has an icon: no 404 while a page loads, /favicon.ico answers 200", async () => {
    const page = await newPage();
    const missing: string[] = [];
    page.on("response", (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    await page.goto(pergola.dashboard);
    await page.getByRole("heading", { name: "Projects" }).first().waitFor({ timeout: UI_TIMEOUT });
    const icons = await page.locator('link[rel="icon"]').evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
    expect(icons.length).toBeGreaterThan(0);
    for (const href of [...icons, `${pergola.dashboard}/favicon.ico`]) {
      const res = await fetch(href);
      expect(res.status, href).toBe(200);
      expect(res.headers.get("content-type"), href).toMatch(/^image\//);
    }
    expect(missing).toEqual([]);
  });

  it("says why PROMOTE and ROLLBACK are greyed out, and the New Release dialog can be cancelled", async () => {
    const project = await newProject("Why");
    const p = project.slug;
    await createStage(p, "dev");
    const page = await newPage();
    await openProject(page, pergola.dashboard, project.name);
    await openStage(page, "dev");
    const promote = page.getByRole("button", { name: "PROMOTE", exact: true });
    const rollback = page.getByRole("button", { name: "ROLLBACK", exact: true });
    const hints = page.getByTestId("action-hints");

    // No Release yet.
    await untilEqual(() => promote.getAttribute("title"), "no Release on this Stage to promote yet");
    await untilEqual(() => rollback.getAttribute("title"), "no Release on this Stage yet");
    expect(await promote.isDisabled()).toBe(true);
    expect(await rollback.isDisabled()).toBe(true);
    await hints.getByText("PROMOTE: no Release on this Stage to promote yet.").waitFor({ timeout: UI_TIMEOUT });
    await hints.getByText("ROLLBACK: no Release on this Stage yet.").waitFor({ timeout: UI_TIMEOUT });

    // The New Release dialog: Cancel closes it and deploys nothing.
    const build = await pergola.createHelloBuild(p);
    await page.reload();
    await page.getByRole("button", { name: "+ NEW RELEASE" }).click();
    const dialog = page.getByRole("dialog");
    await untilEqual(() => dialog.getByLabel("Build").inputValue(), build);
    await screenshot(page, "new-release-cancel");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const none = await pergola.gql(`query($p: String!) { releases(project: $p, stage: "dev") { number } }`, { p });
    expect(none.releases).toEqual([]);

    // One Release (made elsewhere, seen live): nothing earlier to roll back to, no other Stage.
    await pergola.gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, {
      p,
      b: build,
    });
    await untilEqual(() => rollback.getAttribute("title"), "no earlier Release to roll back to");
    await untilEqual(() => promote.getAttribute("title"), "no other Stage in this Project to promote to");
    await hints.getByText("ROLLBACK: no earlier Release to roll back to.").waitFor({ timeout: UI_TIMEOUT });
    await hints.getByText("PROMOTE: no other Stage in this Project to promote to.").waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-actions-why");

    // A second Release: ROLLBACK has something to go back to; another Stage: PROMOTE has a target.
    await pergola.gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, {
      p,
      b: build,
    });
    await untilEqual(() => rollback.isEnabled(), true, UI_TIMEOUT, "ROLLBACK enabled with an earlier Release");
    expect(await rollback.getAttribute("title")).toBeNull();
    await createStage(p, "qa");
    await page.reload();
    await untilEqual(() => promote.isEnabled(), true, UI_TIMEOUT, "PROMOTE enabled with another Stage");
    expect(await promote.getAttribute("title")).toBeNull();
    expect(await hints.count()).toBe(0);
  });
});
