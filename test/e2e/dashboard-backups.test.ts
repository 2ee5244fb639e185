/**
 * A Stage's backups in the dashboard, in a real browser (Debian's Chromium through playwright-core)
 * against Pergola started as `npm start` starts it, with its local agent: examples/hello (its web
 * Component has a standard storage) is deployed; the Backups tab takes a backup, which turns
 * READY by itself (the agent's upload, BACKUP_READY on the Stage's feed); RESTORE waits for the
 * Stage to be suspended, asks first, and the restore shows DONE (BACKUP_RESTORED), live.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { openProject, openStage, UI_TIMEOUT } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("a Stage's backups in the dashboard, in Chromium", () => {
  let stack: Stack;
  let pergola: Pergola;

  beforeAll(async () => {
    stack = await startStack({ signIn: true });
    pergola = stack.pergola;
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  it("takes a backup from the Backups tab, sees it READY, and restores it once the Stage is suspended", async () => {
    const name = `Backups ${Date.now().toString(36)}`;
    const { createProject } = await pergola.gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug } }`, { n: name });
    const p = createProject.slug as string;
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { slug } }`, { p });
    const build = await pergola.createHelloBuild(p);
    await pergola.gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, {
      p,
      b: build,
    });

    const page = await stack.signedInPage();
    await openProject(page, pergola.dashboard, name);
    await openStage(page, "dev");
    await page.getByTestId("current-release").getByText("DEPLOYED").waitFor({ timeout: 60_000 });

    await page.getByRole("tab", { name: "Backups" }).click();
    const panel = page.getByTestId("backups");
    await panel.getByText("No backups yet.").waitFor({ timeout: UI_TIMEOUT });
    await panel.getByRole("button", { name: "+ NEW BACKUP" }).click();
    const dialog = page.getByRole("dialog", { name: "New backup" });
    await dialog.getByLabel("Display name").fill("before the migration");
    await dialog.getByRole("button", { name: "CREATE" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    // PENDING, then READY without a reload: the agent's upload, told by the Stage's events.
    const row = panel.getByTestId("backup-before the migration");
    await row
      .getByTestId("backup-state")
      .filter({ hasText: /^READY$/ })
      .waitFor({ timeout: 60_000 });
    expect(await row.getByRole("cell", { name: "web/data ready" }).count()).toBe(1);
    // Running: RESTORE is offered but held back, with the reason.
    const restore = row.getByRole("button", { name: "RESTORE" });
    expect(await restore.isDisabled()).toBe(true);
    await row.getByText("suspend the Stage to restore").waitFor({ timeout: UI_TIMEOUT });
    await page.getByTestId("event-timeline").getByText("BACKUP_READY").waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole("button", { name: "SUSPEND", exact: true }).click();
    await page
      .getByTestId("stage-state")
      .filter({ hasText: /^SUSPENDED$/ })
      .waitFor({ timeout: 60_000 });
    await expect.poll(() => restore.isEnabled(), { timeout: UI_TIMEOUT }).toBe(true);
    await restore.click();
    const ask = page.getByRole("dialog", { name: "Restore backup" });
    await ask.getByText(/What they hold now is lost/).waitFor({ timeout: UI_TIMEOUT });
    await ask.getByRole("button", { name: "RESTORE" }).click();
    await ask.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    await row.getByTestId("restore-state").filter({ hasText: "RESTORE DONE" }).waitFor({ timeout: 60_000 });
    await page.getByTestId("event-timeline").getByText("BACKUP_RESTORED").waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-backups-restored");

    const { backups } = await pergola.gql(`query($p: String!) { backups(project: $p, stage: "dev") { displayName state restoreState } }`, {
      p,
    });
    expect(backups).toEqual([{ displayName: "before the migration", state: "READY", restoreState: "DONE" }]);
  });
});
