/**
 * What every dashboard test file starts with: Pergola as `npm start` runs it and Chromium,
 * started together, and (with `signIn`) the admin signed in once, its cookie reused by every
 * page. `stop()` closes every context opened through it, Chromium, then npm start (which fails
 * if a process it started is left).
 */
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium, type Chromium } from "./browser.js";
import { signIn, signedInContext } from "./page.js";
import { startPergola, type Pergola } from "./pergola.js";

export interface Stack {
  pergola: Pergola;
  chromium: Chromium;
  /** A new context, closed by stop(). */
  newContext(width?: number, height?: number): Promise<BrowserContext>;
  /** A page in a new context signed in as the admin (needs `signIn`), closed by stop(). */
  signedInPage(width?: number, height?: number): Promise<Page>;
  stop(): Promise<void>;
}

/** `env`: more environment for npm start; `signIn`: sign the admin in once, for signedInPage(). */
export async function startStack(options: { env?: Record<string, string>; signIn?: boolean } = {}): Promise<Stack> {
  const [started, launched] = await Promise.allSettled([startPergola({ env: options.env }), launchChromium()]);
  if (started.status === "rejected" || launched.status === "rejected") {
    if (launched.status === "fulfilled") await launched.value.close();
    if (started.status === "fulfilled") await started.value.stop();
    throw started.status === "rejected" ? started.reason : (launched as PromiseRejectedResult).reason;
  }
  const pergola = started.value;
  const chromium = launched.value;
  const contexts: BrowserContext[] = [];
  const stop = async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await chromium.close();
    await pergola.stop();
  };

  let state: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined;
  if (options.signIn) {
    try {
      const context = await chromium.newContext();
      try {
        await signIn(await context.newPage(), pergola.dashboard, pergola.token);
        state = await context.storageState();
      } finally {
        await context.close();
      }
    } catch (error) {
      await stop();
      throw error;
    }
  }

  return {
    pergola,
    chromium,
    async newContext(width, height) {
      const context = await chromium.newContext(width, height);
      contexts.push(context);
      return context;
    },
    async signedInPage(width = 1280, height = 800) {
      if (!state) throw new Error("signedInPage() needs startStack({ signIn: true })");
      const context = await signedInContext(chromium.browser, state, width, height);
      contexts.push(context);
      return context.newPage();
    },
    stop,
  };
}
