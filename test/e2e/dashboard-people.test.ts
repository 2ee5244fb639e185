/**
 * The dashboard's people screens in a real browser (Debian's Chromium through playwright-core),
 * against Pergola started as `npm start` starts it: the user menu, the Users page (admins), a
 * Project's Members page and the Profile page with its access keys. The browser signs in by
 * posting the admin token to the session route, as the sign-in page does; a second user signs
 * in with the session `signIn` gives them. What the pages did is checked through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { browserTestsEnabled, screenshot } from "./support/browser.js";
import { UI_TIMEOUT, untilEqual } from "./support/page.js";
import type { Pergola } from "./support/pergola.js";
import { startStack, type Stack } from "./support/stack.js";

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)("the dashboard's people screens in Chromium", () => {
  let stack: Stack;
  let pergola: Pergola;
  const stamp = Date.now().toString(36);
  const dana = { email: `dana-${stamp}@example.com`, name: "Dana Developer", password: "correct horse battery" };

  /** A page in a fresh context whose httpOnly cookie holds `token` (the session route checks it with the API). */
  async function pageSignedInWith(token: string): Promise<Page> {
    const context = await stack.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: pergola.dashboard });
    const answer = await context.request.post(`${pergola.dashboard}/api/session`, { data: { token } });
    expect(answer.status(), await answer.text()).toBe(200);
    return context.newPage();
  }

  /** Accepts the open confirmation dialog with its action button. */
  async function confirm(page: Page, action: string): Promise<void> {
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: action, exact: true }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
  }

  beforeAll(async () => {
    stack = await startStack();
    pergola = stack.pergola;
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  it("shows who is signed in top right, with Profile and Sign out", async () => {
    const page = await pageSignedInWith(pergola.token);
    await page.goto(pergola.dashboard);
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    const who = page.getByRole("button", { name: "admin", exact: true });
    await who.waitFor({ timeout: UI_TIMEOUT });
    expect(await who.getAttribute("title")).toBe("admin@localhost");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "Profile" }).isVisible()).resolves.toBe(false);
    await who.click();
    await screenshot(page, "user-menu");
    await page.getByRole("link", { name: "Profile" }).click();
    await page.waitForURL(/\/profile$/, { timeout: UI_TIMEOUT });
    await page.getByTestId("profile-email").getByText("admin@localhost").waitFor({ timeout: UI_TIMEOUT });

    // The menu closed with the navigation; it opens again.
    await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(false);
    await page.getByRole("button", { name: "admin", exact: true }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/, { timeout: UI_TIMEOUT });
    expect(await page.context().cookies()).toEqual([]);
    // Signed out for real: the console sends the browser back to sign-in.
    await page.goto(`${pergola.dashboard}/profile`);
    await page.waitForURL(/\/sign-in/, { timeout: UI_TIMEOUT });
  });

  it("creates a user on the Users page, adds them to a Project on its Members page, and they see it read-only", async () => {
    const page = await pageSignedInWith(pergola.token);
    await page.goto(pergola.dashboard);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole("button", { name: "+ NEW USER" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Email").fill(dana.email);
    await dialog.getByLabel("Name").fill(dana.name);
    await dialog.getByLabel("Password").fill("too short");
    await dialog.getByText(/at least 12 characters \(9 so far\)/i).waitFor({ timeout: UI_TIMEOUT });
    expect(await dialog.getByRole("button", { name: "CREATE" }).isDisabled()).toBe(true);
    await dialog.getByLabel("Password").fill(dana.password);
    await dialog.getByRole("button", { name: "CREATE" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const row = page.getByTestId(`user-row-${dana.email}`);
    await row.getByText(dana.name).waitFor({ timeout: UI_TIMEOUT });
    expect(await row.getByTestId("user-role").innerText()).toContain("MEMBER");
    const { users } = await pergola.gql(`{ users { email name isAdmin disabled } }`);
    expect(users).toContainEqual({ email: dana.email, name: dana.name, isAdmin: false, disabled: false });

    // The same email again: the API's CONFLICT, in the form.
    await page.getByRole("button", { name: "+ NEW USER" }).click();
    await dialog.getByLabel("Email").fill(dana.email);
    await dialog.getByLabel("Name").fill("Someone Else");
    await dialog.getByRole("button", { name: "CREATE" }).click();
    await dialog
      .getByRole("alert")
      .getByText(/exists/)
      .waitFor({ timeout: UI_TIMEOUT });
    await dialog.getByRole("button", { name: "Close" }).click();

    // Disable (asked first), then enable again.
    await row.getByRole("button", { name: `Disable ${dana.email}` }).click();
    await confirm(page, "DISABLE");
    await untilEqual(() => row.getByTestId("user-status").innerText(), "DISABLED");
    await row.getByRole("button", { name: `Enable ${dana.email}` }).click();
    await untilEqual(() => row.getByTestId("user-status").innerText(), "ACTIVE");
    const after = await pergola.gql(`{ users { email disabled } }`);
    expect(after.users).toContainEqual({ email: dana.email, disabled: false });
    await page.mouse.move(0, 0);
    await screenshot(page, "users");

    // Members: from the Project page.
    const { createProject: project } = await pergola.gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug name } }`, {
      n: `Team ${stamp}`,
    });
    await page.goto(`${pergola.dashboard}/projects/${project.slug}`);
    await page.getByRole("link", { name: "MEMBERS" }).click();
    await page.getByRole("heading", { name: /Members/ }).waitFor({ timeout: UI_TIMEOUT });
    const form = page.getByRole("form", { name: "Add a member" });

    await form.getByLabel("Email").fill(`nobody-${stamp}@example.com`);
    await form.getByRole("button", { name: "+ ADD MEMBER" }).click();
    await form
      .getByRole("alert")
      .getByText(/No user with email/)
      .waitFor({ timeout: UI_TIMEOUT });

    await form.getByLabel("Email").fill(dana.email);
    await form.getByLabel("Role").selectOption("MEMBER");
    await form.getByRole("button", { name: "+ ADD MEMBER" }).click();
    const member = page.getByTestId(`member-row-${dana.email}`);
    await member.waitFor({ timeout: UI_TIMEOUT });
    await untilEqual(() => form.getByLabel("Email").inputValue(), "");

    // The admin made the Project, so it is its only owner: it cannot stop being one.
    const adminRow = page.getByTestId("member-row-admin@localhost");
    await adminRow.getByLabel("Role of admin@localhost").selectOption("MEMBER");
    await adminRow
      .getByRole("alert")
      .getByText(/last owner/i)
      .waitFor({ timeout: UI_TIMEOUT });
    await untilEqual(() => adminRow.getByLabel("Role of admin@localhost").inputValue(), "OWNER");

    await member.getByLabel(`Role of ${dana.email}`).selectOption("OWNER");
    const members = async () =>
      (
        await pergola.gql(`query($p: String!) { project(slug: $p) { members { role user { email } } } }`, { p: project.slug })
      ).project.members.map((m: { role: string; user: { email: string } }) => `${m.user.email} ${m.role}`);
    await untilEqual(members, ["admin@localhost OWNER", `${dana.email} OWNER`]);
    await member.getByLabel(`Role of ${dana.email}`).selectOption("MEMBER");
    await untilEqual(members, ["admin@localhost OWNER", `${dana.email} MEMBER`]);
    await untilEqual(() => member.getByLabel(`Role of ${dana.email}`).inputValue(), "MEMBER");
    await screenshot(page, "members");

    // Dana, a plain member, signs in: the list without the controls, and no Users link.
    const { signIn } = await pergola.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: dana.email,
      p: dana.password,
    });
    const theirs = await pageSignedInWith(signIn.token);
    await theirs.goto(`${pergola.dashboard}/projects/${project.slug}/members`);
    await theirs.getByTestId("members-read-only").waitFor({ timeout: UI_TIMEOUT });
    await theirs.getByTestId("member-row-admin@localhost").waitFor({ timeout: UI_TIMEOUT });
    expect(await theirs.getByRole("form", { name: "Add a member" }).count()).toBe(0);
    expect(await theirs.getByRole("combobox").count()).toBe(0);
    expect(await theirs.getByRole("button", { name: /^Remove/ }).count()).toBe(0);
    expect(await theirs.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).count()).toBe(0);
    expect(await theirs.getByRole("button", { name: dana.name }).getAttribute("title")).toBe(dana.email);
    await theirs.goto(`${pergola.dashboard}/users`);
    await theirs.getByRole("alert").getByText("Only admins manage users.").waitFor({ timeout: UI_TIMEOUT });

    // The admin removes Dana (asked first); the Project is then gone from Dana's view.
    await member.getByRole("button", { name: `Remove ${dana.email}` }).click();
    await confirm(page, "REMOVE");
    await member.waitFor({ state: "detached", timeout: UI_TIMEOUT });
    await untilEqual(members, ["admin@localhost OWNER"]);
    await theirs.goto(`${pergola.dashboard}/projects/${project.slug}/members`);
    await theirs
      .getByRole("alert")
      .getByText(/not one of its members/)
      .waitFor({ timeout: UI_TIMEOUT });

    // Signing out from the menu ends Dana's session at the API, not only in this browser.
    await theirs.getByRole("button", { name: dana.name }).click();
    await theirs.getByRole("button", { name: "Sign out" }).click();
    await theirs.waitForURL(/\/sign-in/, { timeout: UI_TIMEOUT });
    const ended = await fetch(`${pergola.api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${signIn.token}` },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    expect(ended.status).toBe(401);
  });

  it("creates an access key on the Profile page, shows it once, disables and deletes it", async () => {
    const page = await pageSignedInWith(pergola.token);
    await page.goto(pergola.dashboard);
    // The list renders once the page's scripts run: the menu button works from then on.
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole("button", { name: "admin", exact: true }).click();
    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByRole("heading", { name: "Profile" }).waitFor({ timeout: UI_TIMEOUT });
    await page.getByTestId("profile-name").getByText("admin", { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId("profile-role").innerText()).toContain("ADMIN");

    const create = async (name: string, readOnly: boolean) => {
      await page.getByRole("button", { name: "+ CREATE ACCESS KEY" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Name").fill(name);
      if (readOnly) await dialog.getByLabel("READ-ONLY").check();
      await dialog.getByRole("button", { name: "CREATE" }).click();
      return dialog;
    };

    const dialog = await create(`wall display ${stamp}`, true);
    await dialog.getByText(/shown once/i).waitFor({ timeout: UI_TIMEOUT });
    const token = await dialog.getByLabel("Access key", { exact: true }).inputValue();
    expect(token).toMatch(/^[0-9a-f-]{36}:\S+$/);
    await dialog.getByRole("button", { name: "Copy access key" }).click();
    await dialog.getByText("COPIED").waitFor({ timeout: UI_TIMEOUT });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await screenshot(page, "profile-new-key");
    // The key works, read-only.
    const asKey = await fetch(`${pergola.api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ me { email readOnly } }" }),
    }).then((r) => r.json());
    expect(asKey).toEqual({ data: { me: { email: "admin@localhost", readOnly: true } } });
    await dialog.getByRole("button", { name: "DONE" }).click();
    await dialog.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    // Shown once: nowhere on the page any more, nor after a reload.
    const row = page.getByTestId(`key-row-wall display ${stamp}`);
    await row.waitFor({ timeout: UI_TIMEOUT });
    expect(await row.innerText()).toContain("READ-ONLY");
    expect(await page.content()).not.toContain(token.split(":")[1]);
    await page.reload();
    await row.waitFor({ timeout: UI_TIMEOUT });
    expect(await page.content()).not.toContain(token.split(":")[1]);

    // A second enabled key is fine; a third is the API's CONFLICT, in the form.
    const second = await create(`laptop ${stamp}`, false);
    await second.getByText(/shown once/i).waitFor({ timeout: UI_TIMEOUT });
    await second.getByRole("button", { name: "DONE" }).click();
    await second.waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    const third = await create(`third ${stamp}`, false);
    await third
      .getByRole("alert")
      .getByText(/At most 2 access keys may be enabled/)
      .waitFor({ timeout: UI_TIMEOUT });
    await third.getByRole("button", { name: "Close" }).click();
    await third.waitFor({ state: "hidden", timeout: UI_TIMEOUT });

    // Disable: the key answers 401 from then on.
    await row.getByRole("button", { name: `Disable wall display ${stamp}` }).click();
    await untilEqual(() => row.getByTestId("key-status").innerText(), "DISABLED");
    const refused = await fetch(`${pergola.api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    expect(refused.status).toBe(401);
    await page.mouse.move(0, 0);
    await screenshot(page, "profile");

    // Delete asks first; Cancel keeps the key.
    await row.getByRole("button", { name: `Delete wall display ${stamp}` }).click();
    await page
      .getByRole("dialog")
      .getByText(/for good/)
      .waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("dialog").waitFor({ state: "hidden", timeout: UI_TIMEOUT });
    expect(await row.isVisible()).toBe(true);
    await row.getByRole("button", { name: `Delete wall display ${stamp}` }).click();
    await confirm(page, "DELETE");
    await row.waitFor({ state: "detached", timeout: UI_TIMEOUT });
    const { accessKeys } = await pergola.gql(`{ accessKeys { name enabled } }`);
    expect(accessKeys.map((k: { name: string }) => k.name)).not.toContain(`wall display ${stamp}`);
    expect(accessKeys).toContainEqual({ name: `laptop ${stamp}`, enabled: true });

    // A phone's width: the table's rows become cards, the menu still opens.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole("button", { name: "admin", exact: true }).click();
    await page.getByRole("link", { name: "Profile" }).waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, "profile-390");
  });
});
