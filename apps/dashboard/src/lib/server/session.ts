/**
 * The session: the API token lives only in an httpOnly, SameSite=Strict cookie (Secure over
 * https), so page scripts — and anything injected into them — can never read it. Every call
 * to the API is made from here, on the server, with that token.
 */
import type { Role } from "@pergola/schema";
import { cookies } from "next/headers";
import { getEnv } from "@/env";

export const SESSION_COOKIE = "pergola_session";

export async function getSessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value || undefined;
}

export function sessionCookie(request: Request, token: string) {
  return {
    name: SESSION_COOKIE,
    value: token,
    httpOnly: true,
    sameSite: "strict" as const,
    secure: isHttps(request),
    path: "/",
    maxAge: 60 * 60 * 24 * 30,
  };
}

function isHttps(request: Request): boolean {
  const forwarded = request.headers.get("x-forwarded-proto");
  return (forwarded ?? new URL(request.url).protocol.replace(":", "")) === "https";
}

/**
 * CSRF: a state-changing request must come from our own pages. Browsers send
 * `Sec-Fetch-Site` (and `Origin` on POST); a cross-site page's request is refused here even
 * though SameSite=Strict already keeps the cookie off it. A request with neither header is
 * not from a browser (curl, a test) and carries no ambient credentials.
 */
export function isSameOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface ApiAnswer {
  status: number;
  body: string;
}

/** POSTs a GraphQL request to the API as the token's holder. */
export async function callApi(token: string | undefined, body: string): Promise<ApiAnswer> {
  const response = await fetch(`${getEnv().PERGOLA_API_URL}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
    cache: "no-store",
  });
  return { status: response.status, body: await response.text() };
}

export interface Me {
  name: string;
  /** Empty for an agent's token. */
  email: string;
  role: Role;
}

/** Who the token belongs to, or undefined when the API does not know it (or cannot be reached). */
export async function getMe(token: string): Promise<Me | undefined> {
  try {
    const answer = await callApi(token, JSON.stringify({ query: "{ me { name email role } }" }));
    const parsed = JSON.parse(answer.body) as { data?: { me?: Me } | null };
    return parsed.data?.me ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The access key this session's token is, when it is one (`<id>:<secret>`): the Profile page
 * marks it, since disabling or deleting it signs this browser out. Only the id leaves the server.
 */
export function currentAccessKeyId(token: string | undefined): string | undefined {
  const match = /^([0-9a-f-]{36}):/i.exec(token ?? "");
  return match?.[1]?.toLowerCase();
}
