/**
 * Signing in to the dashboard in Chromium, against Pergola as `npm start` runs it with SSO
 * configured (PERGOLA_OIDC_*) at a real OpenID provider this test starts (oidc-provider 9,
 * its development login form): the admin's email and the one-time password npm start prints;
 * "Sign in with SSO" through the provider, first as a new user, then refused for a disabled
 * one; the sign-in limit's wait shown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startTestOidcProvider, type TestOidcProvider } from "../../apps/api/src/testing/oidc-provider.js";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { UI_TIMEOUT } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("signing in to the dashboard", () => {
  let stack: Stack;
  let pergola: Pergola;
  let idp: TestOidcProvider;

  async function newPage(): Promise<Page> {
    const context = await stack.newContext();
    // The provider's development pages import a web font; nothing here may reach the Internet.
    await context.route(/^https:\/\/fonts\./, (route) => route.abort());
    return context.newPage();
  }

  /** The admin's email and password from the dashboard's lines npm start printed. */
  function printedAdmin(): { email: string; password: string } {
    const match = /Dashboard\s+\S+\s+\(sign in with the admin email and password\)\n\s+email (\S+)\s+password (\S+)/.exec(pergola.output());
    expect(match, pergola.output()).not.toBeNull();
    return { email: match![1]!, password: match![2]! };
  }

  async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "SIGN IN", exact: true }).click();
  }

  /** From the dashboard's sign-in page through the provider's login form, back to the dashboard. */
  async function signInWithSso(page: Page, login: string): Promise<void> {
    await page.goto(pergola.dashboard);
    await page.getByRole("link", { name: /sign in with sso/i }).click();
    const loginField = page.locator('input[name="login"]');
    await loginField.waitFor({ timeout: UI_TIMEOUT });
    expect(page.url().startsWith(idp.issuer)).toBe(true);
    await loginField.fill(login);
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
  }

  /** The signed-in header names the user. */
  function who(page: Page, name: string) {
    return page.locator("header").getByText(name, { exact: true }).first();
  }

  beforeAll(async () => {
    idp = await startTestOidcProvider(() => `${pergola.api}/auth/oidc/callback`);
    const env = { PERGOLA_OIDC_ISSUER: idp.issuer, PERGOLA_OIDC_CLIENT_ID: idp.clientId, PERGOLA_OIDC_CLIENT_SECRET: idp.clientSecret };
    stack = await startStack({ env });
    pergola = stack.pergola;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await idp?.close();
  }, 60_000);

  it("signs in with the admin's email and the password npm start printed (a wrong one refused first)", async () => {
    const admin = printedAdmin();
    expect(admin.email).toBe("admin@localhost");
    const page = await newPage();
    await page.goto(pergola.dashboard);
    await page.getByLabel("Email", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await expect(page.getByRole("link", { name: /sign in with sso/i }).isVisible()).resolves.toBe(true);
    await screenshot(page, "sign-in");

    await signInWithPassword(page, admin.email, "not the password");
    await page.getByRole("alert").getByText("Wrong email or password.").waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "sign-in-wrong-password");

    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByRole("button", { name: "SIGN IN", exact: true }).click();
    await who(page, "admin").waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(page.url()).pathname).toBe("/");
    // A session token, in the httpOnly cookie only.
    const cookie = (await page.context().cookies()).find((c) => c.value.startsWith("pgs_"));
    expect(cookie?.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toContain("pgs_");

    // Signing out ends the session at the API too.
    const signOut = page.getByRole("button", { name: /sign out/i });
    // Behind the user's menu. A click that lands before the page has hydrated opens nothing, so
    // the menu is clicked again until the button shows (CI once lost the first click).
    await expect
      .poll(
        async () => {
          if (await signOut.isVisible()) return true;
          await who(page, "admin").click();
          return signOut.isVisible();
        },
        { timeout: UI_TIMEOUT, intervals: [250] },
      )
      .toBe(true);
    await signOut.click();
    await page.getByLabel("Email", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    const after = await fetch(`${pergola.api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${cookie!.value}` },
      body: JSON.stringify({ query: "{ me { name } }" }),
    });
    expect(after.status).toBe(401);
  });

  it("signs in with SSO: a new user from the provider's email claim, named as there, lands on the dashboard", async () => {
    const login = `ada${Date.now().toString(36)}`;
    const email = `${login}@example.test`;
    idp.accounts.set(login, { email, email_verified: true, name: "Ada Lovelace" });
    const page = await newPage();
    await signInWithSso(page, login);
    await who(page, "Ada Lovelace").waitFor({ timeout: UI_TIMEOUT });
    expect(page.url()).toBe(`${pergola.dashboard}/`);
    // The Project list loaded (its live socket opened with a one-time ticket for this session).
    await page.getByText("Loading…").waitFor({ state: "detached", timeout: UI_TIMEOUT });
    await screenshot(page, "signed-in-with-sso");
    const { users } = await pergola.gql("{ users { email name isAdmin } }");
    expect(users).toContainEqual({ email, name: "Ada Lovelace", isAdmin: false });
    // Nothing of the session in any URL the browser saw, nor in the page's reach.
    expect(await page.evaluate(() => document.cookie)).not.toContain("pgs_");

    // The second time, the same user.
    const again = await newPage();
    await signInWithSso(again, login);
    await who(again, "Ada Lovelace").waitFor({ timeout: UI_TIMEOUT });
    const { users: after } = await pergola.gql("{ users { email } }");
    expect(after.filter((u: { email: string }) => u.email === email)).toHaveLength(1);
  });

  it("refuses SSO for a disabled user, back on the sign-in page saying so", async () => {
    const login = `mallory${Date.now().toString(36)}`;
    const email = `${login}@example.test`;
    const { createUser } = await pergola.gql(`mutation($e: String!) { createUser(input: { email: $e, name: "Mallory" }) { id } }`, {
      e: email,
    });
    await pergola.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, { id: createUser.id });
    idp.accounts.set(login, { email, email_verified: true, name: "Mallory" });
    const page = await newPage();
    await signInWithSso(page, login);
    await page.getByRole("alert").getByText("This user is disabled. Ask an admin.").waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await screenshot(page, "sign-in-sso-refused");
  });

  // Last: the failures it makes also count against this machine's address.
  it("shows the wait after too many failed sign-ins", async () => {
    const email = `locked${Date.now().toString(36)}@example.test`;
    await pergola.gql(`mutation($e: String!) { createUser(input: { email: $e, name: "Locked", password: "the right password" }) { id } }`, {
      e: email,
    });
    const page = await newPage();
    await page.goto(pergola.dashboard);
    const alert = page.getByRole("alert").filter({ hasText: /Wrong email or password|Too many failed sign-ins/ });
    let attempts = 0;
    for (; attempts < 11; attempts++) {
      await signInWithPassword(page, email, `wrong ${attempts}`);
      // The answer to this try: the button is back (not "Signing in…") and an error shows.
      await page.getByRole("button", { name: "SIGN IN", exact: true }).waitFor({ timeout: UI_TIMEOUT });
      await alert.waitFor({ timeout: UI_TIMEOUT });
      if (/Too many/.test(await alert.innerText())) break;
    }
    expect(attempts).toBeLessThanOrEqual(10);
    expect(await alert.innerText()).toMatch(/Too many failed sign-ins\. Try again in \d+ (s|minutes?)\./);
    await screenshot(page, "sign-in-too-many");
  });
});
