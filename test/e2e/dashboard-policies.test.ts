/**
 * Stage policies in the dashboard, in a real browser (Debian's Chromium through playwright-core)
 * against Pergola started as `npm start` starts it, on a database of its own: an admin sets the
 * PROD policy on the Policies page; a PROD Stage's page shows it; its New Release dialog and its
 * SUSPEND ask first and send `confirm`. What the pages did is checked through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { openProject, openStage, UI_TIMEOUT, untilEqual } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("Stage policies in the dashboard, in Chromium", () => {
  let stack: Stack;
  let pergola: Pergola;

  beforeAll(async () => {
    stack = await startStack({ signIn: true });
    pergola = stack.pergola;
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  it("an admin sets the PROD policy; a PROD Stage shows it, and deploying and suspending there ask and confirm", async () => {
    const page = await stack.signedInPage();
    await page.goto(`${pergola.dashboard}/policies`);
    await page.getByRole("heading", { name: "Stage policies" }).waitFor({ timeout: UI_TIMEOUT });
    const prod = page.getByTestId("policy-prod");
    await prod.getByLabel("Deploys ask for confirmation").check();
    await prod.getByLabel("Suspending asks for confirmation").check();
    await prod.getByLabel("Who deploys").selectOption("OWNERS");
    await prod.getByRole("button", { name: "SAVE PROD" }).click();
    await prod.getByText("Deploys, promotions and rollbacks ask for confirmation.").waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "stage-policies");
    const { stagePolicies } = await pergola.gql(`{ stagePolicies { type deployers confirmDeploy confirmSuspend } }`);
    expect(stagePolicies).toContainEqual({ type: "PROD", deployers: "OWNERS", confirmDeploy: true, confirmSuspend: true });

    const name = `Policies ${Date.now().toString(36)}`;
    const { createProject } = await pergola.gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug } }`, { n: name });
    const p = createProject.slug as string;
    await pergola.gql(`mutation($p: String!) { createStage(input: { project: $p, name: "prod", type: PROD }) { slug } }`, { p });
    const build = await pergola.createHelloBuild(p);

    await openProject(page, pergola.dashboard, name);
    await openStage(page, "prod");
    const policy = page.getByTestId("stage-policy");
    await policy.getByText("Only the Project's owners (and admins) deploy.").waitFor({ timeout: UI_TIMEOUT });
    await policy.getByText("Suspending asks for confirmation.").waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole("button", { name: "+ NEW RELEASE" }).click();
    const dialog = page.getByRole("dialog");
    await untilEqual(() => dialog.getByLabel("Build").inputValue(), build);
    await dialog.getByLabel(/Yes, deploy to prod: the policy of PROD Stages asks for confirmation/).check();
    await dialog.getByRole("button", { name: "DEPLOY" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const { releases } = await pergola.gql(`query($p: String!) { releases(project: $p, stage: "prod") { number build { name } } }`, { p });
    expect(releases).toEqual([{ number: 1, build: { name: build } }]);

    await page.getByRole("button", { name: "SUSPEND", exact: true }).click();
    const ask = page.getByRole("dialog", { name: "Suspend prod?" });
    await ask.getByText("The policy of PROD Stages asks for confirmation.").waitFor({ timeout: UI_TIMEOUT });
    await ask.getByRole("button", { name: "SUSPEND", exact: true }).click();
    await ask.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const read = async () =>
      (await pergola.gql(`query($p: String!) { stage(project: $p, stage: "prod") { state } }`, { p })).stage.state !== "RUNNING";
    await untilEqual(read, true, UI_TIMEOUT, "suspended with confirm");
  });
});
