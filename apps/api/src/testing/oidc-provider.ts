/**
 * A real OpenID Connect provider for tests: `oidc-provider` 9 on port 0, with its development
 * login form (any login, any password) and a consent given in advance, so a sign-in is one form.
 * The accounts are the test's; the client's redirect URI is asked for when the first request
 * comes (the API's port is known only once it listens, after the provider's issuer is).
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// @ts-expect-error oidc-provider ships no types; only tests use it.
import Provider from "oidc-provider";

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login (what the login form's first field takes); change them at any time. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export async function startTestOidcProvider(redirectUri: () => string): Promise<TestOidcProvider> {
  const accounts = new Map<string, TestAccount>();
  const clientId = "pergola";
  const clientSecret = randomBytes(24).toString("base64url");
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    handler ??= createProvider().callback();
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function createProvider() {
    return new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri()],
          response_types: ["code"],
          grant_types: ["authorization_code"],
        },
      ],
      cookies: { keys: [randomBytes(16).toString("hex")] },
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      async findAccount(_ctx: unknown, login: string) {
        const account = accounts.get(login);
        if (!account) return undefined;
        return { accountId: login, claims: async () => ({ sub: login, ...account }) };
      },
      // A first-party client: the consent is given, the login form is the only interaction.
      async loadExistingGrant(ctx: any) {
        const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope("openid email profile");
        await grant.save();
        return grant;
      },
    });
  }

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Signs in at the provider as `login` over plain HTTP, as a browser would: follows redirects
 * with the provider's cookies, posts the login form, and stops at the first redirect that
 * leaves the provider (the API's callback), which it returns.
 */
export async function loginAtProvider(authorizationUrl: string, issuer: string, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let init: RequestInit = { method: "GET" };
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url);
      init = { method: "GET" };
      if (url.origin !== new URL(issuer).origin) return url;
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (res.status !== 200 || !action || !page.includes('name="login"'))
      throw new Error(`no login form at ${url} (${res.status}): ${page.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, "&"), url);
    init = {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login, password: "any" }).toString(),
    };
  }
  throw new Error("too many redirects at the provider");
}
