/**
 * SSO against a real OpenID provider (oidc-provider 9, started here): the browser's redirects
 * followed over plain HTTP, the provider's login form posted, the hand-off code exchanged as
 * the dashboard's server does.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv } from "../../env.js";
import { startTestApi, uniqueSlug, type TestApi } from "../../testing/harness.js";
import { loginAtProvider, startTestOidcProvider, type TestOidcProvider } from "../../testing/oidc-provider.js";

const DASHBOARD = "http://dashboard.test:3000";
const RETURN_TO = `${DASHBOARD}/api/session/sso/callback`;
const ME = "{ me { id email name isAdmin role } }";

let api: TestApi;
let idp: TestOidcProvider;
beforeAll(async () => {
  idp = await startTestOidcProvider(() => `${api.server.url}/auth/oidc/callback`);
  api = await startTestApi({
    oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret },
    allowedOrigins: [DASHBOARD],
  });
});
afterAll(async () => {
  await api?.close();
  await idp?.close();
});

function newVerifier() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function get(url: string | URL) {
  return fetch(url, { redirect: "manual" });
}

/** From the sign-in page's SSO button to the dashboard's callback URL (with `code` or `error`). */
async function ssoRoundTrip(login: string, challenge: string): Promise<URL> {
  const start = await get(`${api.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(RETURN_TO)}&challenge=${challenge}`);
  expect(start.status).toBe(302);
  const authorization = start.headers.get("location")!;
  expect(authorization.startsWith(`${idp.issuer}/`)).toBe(true);
  const params = new URL(authorization).searchParams;
  expect(params.get("code_challenge_method")).toBe("S256");
  expect(params.get("state")).toBeTruthy();
  expect(params.get("nonce")).toBeTruthy();
  const callback = await loginAtProvider(authorization, idp.issuer, login);
  expect(callback.href.startsWith(`${api.server.url}/auth/oidc/callback?`)).toBe(true);
  const back = await get(callback);
  expect(back.status).toBe(302);
  const target = new URL(back.headers.get("location")!);
  expect(target.origin + target.pathname).toBe(RETURN_TO);
  return target;
}

async function exchange(code: string, verifier: string) {
  const res = await fetch(`${api.server.url}/auth/oidc/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, verifier }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function signInWithSso(login: string) {
  const { verifier, challenge } = newVerifier();
  const back = await ssoRoundTrip(login, challenge);
  expect(back.searchParams.get("error")).toBeNull();
  const code = back.searchParams.get("code")!;
  const { status, body } = await exchange(code, verifier);
  expect(status, JSON.stringify(body)).toBe(200);
  return { code, verifier, token: body.token as string };
}

describe("PERGOLA_OIDC_*", () => {
  const oidc = {
    PERGOLA_OIDC_ISSUER: "https://accounts.example.com",
    PERGOLA_OIDC_CLIENT_ID: "pergola",
    PERGOLA_OIDC_CLIENT_SECRET: "s3cret",
  };
  it("takes all three or none", () => {
    expect(readEnv({ ...oidc }).PERGOLA_OIDC_ISSUER).toBe("https://accounts.example.com");
    expect(readEnv({}).PERGOLA_OIDC_ISSUER).toBeUndefined();
    expect(() => readEnv({ PERGOLA_OIDC_ISSUER: oidc.PERGOLA_OIDC_ISSUER, PERGOLA_OIDC_CLIENT_ID: "pergola" })).toThrow(/together/);
  });
  it("refuses a plain-http issuer other than this machine", () => {
    expect(() => readEnv({ ...oidc, PERGOLA_OIDC_ISSUER: "http://accounts.example.com" })).toThrow(/PERGOLA_OIDC_ISSUER: must be an https/);
    expect(readEnv({ ...oidc, PERGOLA_OIDC_ISSUER: "http://127.0.0.1:9000" }).PERGOLA_OIDC_ISSUER).toBe("http://127.0.0.1:9000");
  });
});

describe("signInOptions", () => {
  it("tells anyone, without a credential, that SSO is on and where it starts", async () => {
    const { data } = await api.gql("{ signInOptions { password sso ssoUrl } }", {}, null);
    expect(data!.signInOptions).toEqual({ password: true, sso: true, ssoUrl: `${api.server.url}/auth/oidc/start` });
  });

  it("says sso: false on a server without it, whose SSO routes answer NOT_FOUND as JSON", async () => {
    const plain = await startTestApi();
    try {
      const { data } = await plain.gql("{ signInOptions { password sso ssoUrl } }", {}, null);
      expect(data!.signInOptions).toEqual({ password: true, sso: false, ssoUrl: null });
      const res = await get(
        `${plain.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(plain.server.url)}&challenge=${newVerifier().challenge}`,
      );
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("NOT_FOUND");
    } finally {
      await plain.close();
    }
  });
});

describe("SSO sign-in", () => {
  it("creates the user from the email claim on the first sign-in and finds it on the second", async () => {
    const login = uniqueSlug("ada");
    idp.accounts.set(login, { email: `${login}@Example.test`, email_verified: true, name: "Ada Lovelace" });
    const first = await signInWithSso(login);
    expect(first.token).toMatch(/^pgs_/);
    const { data: me } = await api.gql(ME, {}, first.token);
    expect(me!.me).toMatchObject({ email: `${login}@example.test`, name: "Ada Lovelace", isAdmin: false, role: "MEMBER" });

    const second = await signInWithSso(login);
    expect(second.token).not.toBe(first.token);
    const { data: again } = await api.gql(ME, {}, second.token);
    expect(again!.me.id).toBe(me!.me.id);
    const list = await api.ok<any>("{ users { email } }");
    expect(list.users.filter((u: { email: string }) => u.email === `${login}@example.test`)).toHaveLength(1);

    const { auditLog } = await api.ok<any>(`{ auditLog(first: 10, user: "${login}@example.test") { action detail } }`);
    expect(auditLog.map((e: { action: string }) => e.action)).toEqual(["SIGN_IN", "SIGN_IN", "USER_CREATED"]);
    expect(auditLog[0].detail).toMatchObject({ method: "sso" });
  });

  it("takes a hand-off code once, and only with the verifier of its challenge", async () => {
    const login = uniqueSlug("grace");
    idp.accounts.set(login, { email: `${login}@example.test`, name: "Grace" });
    const { verifier, challenge } = newVerifier();
    const code = (await ssoRoundTrip(login, challenge)).searchParams.get("code")!;
    const wrong = await exchange(code, newVerifier().verifier);
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    // The wrong verifier burnt the code: a thief who has it and guesses cannot retry.
    expect((await exchange(code, verifier)).status).toBe(401);

    const signedIn = await signInWithSso(login);
    expect((await exchange(signedIn.code, signedIn.verifier)).status).toBe(401);
  });

  it("links an existing user with that email (created by an admin) instead of making a second", async () => {
    const email = `${uniqueSlug("linus")}@example.test`;
    const created = await api.ok<any>(
      `mutation($e: String!) { createUser(input: { email: $e, name: "Linus", password: "a long enough password" }) { id } }`,
      { e: email },
    );
    const login = uniqueSlug("linus-idp");
    idp.accounts.set(login, { email, email_verified: true, name: "Someone Else" });
    const { token } = await signInWithSso(login);
    const { data } = await api.gql(ME, {}, token);
    expect(data!.me).toMatchObject({ id: created.createUser.id, name: "Linus" });
  });

  it("refuses a disabled user, back at the dashboard with error=sso_disabled", async () => {
    const login = uniqueSlug("mallory");
    idp.accounts.set(login, { email: `${login}@example.test`, email_verified: true, name: "Mallory" });
    const { token } = await signInWithSso(login);
    const { data } = await api.gql(ME, {}, token);
    await api.ok(`mutation($id: ID!) { disableUser(id: $id) { id disabled } }`, { id: data!.me.id });
    const back = await ssoRoundTrip(login, newVerifier().challenge);
    expect(back.searchParams.get("error")).toBe("sso_disabled");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("refuses an email the provider has not verified, and an account without one", async () => {
    const unverified = uniqueSlug("eve");
    idp.accounts.set(unverified, { email: `${unverified}@example.test`, email_verified: false, name: "Eve" });
    expect((await ssoRoundTrip(unverified, newVerifier().challenge)).searchParams.get("error")).toBe("sso_email");
    const none = uniqueSlug("nobody");
    idp.accounts.set(none, { name: "No Email" });
    const back = await ssoRoundTrip(none, newVerifier().challenge);
    expect(back.searchParams.get("error")).toBe("sso_email");
    expect(back.searchParams.get("error_description")).toMatch(/no email/i);
  });

  it("refuses a forged or replayed state with a JSON error, redirecting nowhere", async () => {
    const forged = await get(`${api.server.url}/auth/oidc/callback?code=abc&state=${randomBytes(16).toString("base64url")}`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get("location")).toBeNull();
    expect(((await forged.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");

    // The provider's real answer, replayed: its state was taken by the first use.
    const login = uniqueSlug("replay");
    idp.accounts.set(login, { email: `${login}@example.test`, name: "Replay" });
    const start = await get(
      `${api.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(RETURN_TO)}&challenge=${newVerifier().challenge}`,
    );
    const callback = await loginAtProvider(start.headers.get("location")!, idp.issuer, login);
    expect((await get(callback)).status).toBe(302);
    expect((await get(callback)).status).toBe(401);
  });

  it("sends the browser back with error=sso_provider when the provider says no", async () => {
    const start = await get(
      `${api.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(RETURN_TO)}&challenge=${newVerifier().challenge}`,
    );
    const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
    const back = await get(
      `${api.server.url}/auth/oidc/callback?error=access_denied&error_description=cancelled&state=${state}&iss=${encodeURIComponent(idp.issuer)}`,
    );
    expect(back.status).toBe(302);
    const target = new URL(back.headers.get("location")!);
    expect(target.searchParams.get("error")).toBe("sso_provider");
    expect(target.searchParams.get("error_description")).toContain("cancelled");
  });

  it("never redirects to an origin it does not know (no open redirect)", async () => {
    for (const returnTo of ["https://evil.example/steal", "//evil.example", "javascript:alert(1)", ""]) {
      const res = await get(
        `${api.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}&challenge=${newVerifier().challenge}`,
      );
      expect(res.status, returnTo).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(((await res.json()) as any).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "returnTo" });
    }
    const noChallenge = await get(`${api.server.url}/auth/oidc/start?returnTo=${encodeURIComponent(RETURN_TO)}`);
    expect(noChallenge.status).toBe(400);
  });
});
