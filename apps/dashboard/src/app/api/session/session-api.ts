/**
 * What the session routes ask the API, anonymously (sign-in) or with the cookie's token
 * (sign-out). Server only: the browser never talks to these endpoints with a credential.
 */
import { createHash, randomBytes } from "node:crypto";
import { getEnv } from "@/env";

/** The cookie that holds the SSO verifier between the start and the callback (10 minutes). */
export const SSO_COOKIE = "pergola_sso";
export const SSO_CALLBACK = "/api/session/sso/callback";

export interface SignInOptions {
  password: boolean;
  sso: boolean;
  ssoUrl: string | null;
}

export type SignInAnswer =
  | { ok: true; token: string; expiresAt: string }
  | { ok: false; status: number; error: string; retryAfterSeconds?: number };

/** The browser's address for the API's sign-in limits: the last hop Next or a proxy in front recorded. */
export function callerAddress(request: Request): string | undefined {
  return request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim() || undefined;
}

interface GraphQLAnswer<Data> {
  data?: Data | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function graphql<Data>(body: unknown, headers: Record<string, string> = {}): Promise<GraphQLAnswer<Data>> {
  const response = await fetch(`${getEnv().PERGOLA_API_URL}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    cache: "no-store",
  });
  return (await response.json()) as GraphQLAnswer<Data>;
}

/** Whether SSO is offered; password only when the API cannot be reached (the form then says so). */
export async function getSignInOptions(): Promise<SignInOptions> {
  try {
    const answer = await graphql<{ signInOptions: SignInOptions }>({ query: "{ signInOptions { password sso ssoUrl } }" });
    return answer.data?.signInOptions ?? { password: true, sso: false, ssoUrl: null };
  } catch {
    return { password: true, sso: false, ssoUrl: null };
  }
}

export async function signInWithPassword(email: string, password: string, address: string | undefined): Promise<SignInAnswer> {
  let answer: GraphQLAnswer<{ signIn: { token: string; expiresAt: string } }>;
  try {
    answer = await graphql(
      {
        query: "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token expiresAt } }",
        variables: { e: email, p: password },
      },
      address ? { "x-forwarded-for": address } : {},
    );
  } catch {
    return { ok: false, status: 502, error: "The API cannot be reached." };
  }
  const session = answer.data?.signIn;
  if (session) return { ok: true, ...session };
  const error = answer.errors?.[0];
  switch (error?.extensions?.code) {
    case "UNAUTHENTICATED":
      return { ok: false, status: 401, error: "Wrong email or password." };
    case "TOO_MANY_REQUESTS": {
      const wait = Number(error.extensions?.retryAfterSeconds ?? 0);
      return { ok: false, status: 429, error: `Too many failed sign-ins. Try again in ${formatWait(wait)}.`, retryAfterSeconds: wait };
    }
    case "BAD_USER_INPUT":
      return { ok: false, status: 400, error: error.message };
    default:
      return { ok: false, status: 502, error: "Sign-in failed; try again." };
  }
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** Ends a session token at the API (access keys are not ended by signing out of a browser). */
export async function signOutAtApi(token: string): Promise<void> {
  await graphql({ query: "mutation { signOut }" }, { authorization: `Bearer ${token}` }).catch(() => undefined);
}

/** A verifier for the SSO hand-off and its S256 challenge (oidc.service.ts step 3). */
export function newHandoffVerifier(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The SSO hand-off code and the verifier in, a session token out; undefined when refused. */
export async function exchangeHandoff(code: string, verifier: string): Promise<{ token: string; expiresAt: string } | undefined> {
  try {
    const response = await fetch(`${getEnv().PERGOLA_API_URL}/auth/oidc/exchange`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code, verifier }),
      cache: "no-store",
    });
    if (!response.ok) return undefined;
    return (await response.json()) as { token: string; expiresAt: string };
  } catch {
    return undefined;
  }
}

/** This dashboard's origin as the browser sees it (behind a proxy: its forwarded host and protocol). */
export function dashboardOrigin(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  const proto = request.headers.get("x-forwarded-proto") ?? url.protocol.replace(":", "");
  return `${proto}://${host}`;
}
