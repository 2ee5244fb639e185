/**
 * What the browser tests do on the dashboard's pages, by the names a person sees (roles,
 * labels, text), so that a renamed button fails a test the way it would confuse a user.
 */
import { expect } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";

/** How long a page condition may take before the test fails (the live budget is asserted apart). */
export const UI_TIMEOUT = 15_000;

/** Waits until `read()` (a value on the page, e.g. an input's value) equals `expected`. */
export async function untilEqual<T>(read: () => Promise<T>, expected: T, timeout = UI_TIMEOUT, message?: string): Promise<void> {
  await expect.poll(read, { timeout, interval: 50, message }).toEqual(expected);
}

/** Signs in through the sign-in page with an access key (or API token); the page is left on what comes after. */
export async function signIn(page: Page, dashboard: string, token: string): Promise<void> {
  await page.goto(dashboard);
  await page.getByRole("button", { name: /use an access key instead/i }).click();
  const field = page.getByLabel("Access key", { exact: true });
  await field.fill(token);
  await page.getByRole("button", { name: /sign in/i }).click();
  await field.waitFor({ state: "detached", timeout: UI_TIMEOUT });
}

/** A new context already signed in (its httpOnly cookie copied from a signed-in state). */
export async function signedInContext(
  browser: Browser,
  state: Awaited<ReturnType<BrowserContext["storageState"]>>,
  width = 1280,
  height = 800,
) {
  return browser.newContext({ viewport: { width, height }, storageState: state });
}

/** Opens a Project's Stage list from the Project list, as a person would. */
export async function openProject(page: Page, dashboard: string, name: string): Promise<void> {
  await page.goto(dashboard);
  await page.getByRole("link", { name }).first().click();
  await page.getByRole("button", { name: "+ NEW STAGE" }).first().waitFor({ timeout: UI_TIMEOUT });
}

/** The Stage list's row for a Stage ID. */
export function stageRow(page: Page, slug: string): Locator {
  return page.getByTestId(`stage-row-${slug}`);
}

/** Opens a Stage's page from its row in the open Stage list. */
export async function openStage(page: Page, slug: string): Promise<void> {
  const row = stageRow(page, slug);
  await row.waitFor({ timeout: UI_TIMEOUT });
  await row.getByRole("link").first().click();
  await page.getByRole("button", { name: "+ NEW RELEASE" }).waitFor({ timeout: UI_TIMEOUT });
}
