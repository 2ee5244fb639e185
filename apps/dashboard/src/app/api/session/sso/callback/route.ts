/**
 * Where the API sends the browser back after SSO: with `code` (a one-time hand-off, 60 s) or
 * `error` (a reason the sign-in page explains). The code and the verifier from the cookie buy
 * a session token, kept in the httpOnly cookie like any other.
 */
import { NextResponse, type NextRequest } from "next/server";
import { sessionCookie } from "@/lib/server/session";
import { exchangeHandoff, SSO_COOKIE } from "../../session-api";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  const params = request.nextUrl.searchParams;
  const code = params.get("code");
  const verifier = request.cookies.get(SSO_COOKIE)?.value;
  const reason = params.get("error");
  // No verifier: this browser did not start the sign-in (or took over 10 minutes).
  const session = !reason && code && verifier ? await exchangeHandoff(code, verifier) : undefined;
  const failed = session ? undefined : reason && /^[a-z_]{1,40}$/.test(reason) ? reason : "sso_expired";

  // The session cookie is SameSite=Strict and this navigation began on the provider's site: a
  // redirect from here would arrive without it. A page of our own that moves on does carry it.
  const next = failed ? `/sign-in?error=${failed}` : "/";
  const response = new NextResponse(
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${next}"><title>Signing in…</title><p>Signing in… <a href="${next}">Continue</a></p>`,
    { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" } },
  );
  response.cookies.set({ name: SSO_COOKIE, value: "", path: "/api/session/sso", maxAge: 0 });
  if (session) {
    const seconds = Math.max(60, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
    response.cookies.set({ ...sessionCookie(request, session.token), maxAge: seconds });
  }
  return response;
}
