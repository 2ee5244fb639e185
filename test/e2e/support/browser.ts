/**
 * Debian's Chromium driven by playwright-core: headless, with FLAGS (no sandbox, no GPU,
 * nothing that phones home) and a fresh profile.
 * CI sets REQUIRE_E2E=1: there a missing browser fails the run. Elsewhere a machine without
 * /usr/bin/chromium skips the browser tests, saying why.
 */
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.PERGOLA_E2E_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Whether the browser tests run here; throws (failing the file) when CI requires them and there is no browser. */
export function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.REQUIRE_E2E === "1") throw new Error(`${message}; REQUIRE_E2E=1, so this is a failure, not a skip`);
  console.warn(`SKIPPED: ${message}`);
  return false;
}

export interface Chromium {
  browser: Browser;
  /** A new context (cookies of its own) at the given viewport width. */
  newContext(width?: number, height?: number): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  // launch() gives Chromium a fresh temporary --user-data-dir of its own (and refuses one
  // passed in args): nothing cached or remembered from another run.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    browser,
    newContext: (width = 1280, height = 800) => browser.newContext({ viewport: { width, height } }),
    close: () => browser.close(),
  };
}

/** Where screenshots go: E2E_ARTIFACTS_DIR, or pergola-e2e-artifacts in the temp dir. */
export const ARTIFACTS = process.env.E2E_ARTIFACTS_DIR ?? join(tmpdir(), "pergola-e2e-artifacts");

/** Saves a full-page screenshot as `<ARTIFACTS>/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  return file;
}
