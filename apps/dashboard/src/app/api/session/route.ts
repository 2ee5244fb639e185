/**
 * Sign-in and sign-out. POST `{ email, password }` signs in at the API (a 12-hour session);
 * POST `{ token }` takes an access key (or API token) checked with `me`. Either way the token
 * is kept only in the httpOnly cookie. DELETE signs out: the cookie goes, and a session ends
 * at the API too (an access key stays: it may be in use elsewhere).
 */
import { NextResponse } from "next/server";
import { getMe, getSessionToken, isSameOrigin, SESSION_COOKIE, sessionCookie } from "@/lib/server/session";
import { callerAddress, signInWithPassword, signOutAtApi } from "./session-api";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "cross-site request refused" }, { status: 403 });
  const body = (await request.json().catch(() => ({}))) as { token?: unknown; email?: unknown; password?: unknown };
  if (typeof body.email === "string" || typeof body.password === "string") return signInWithEmail(request, body);
  const token = typeof body.token === "string" ? body.token.trim() : "";
  if (!token) return NextResponse.json({ error: "Enter an access key." }, { status: 400 });
  const me = await getMe(token);
  if (!me) return NextResponse.json({ error: "The API does not accept this access key." }, { status: 401 });
  if (me.role === "AGENT") return NextResponse.json({ error: "An agent token cannot sign in." }, { status: 403 });
  const response = NextResponse.json({ me });
  response.cookies.set(sessionCookie(request, token));
  return response;
}

async function signInWithEmail(request: Request, body: { email?: unknown; password?: unknown }) {
  const email = typeof body.email === "string" ? body.email.trim() : "";
  const password = typeof body.password === "string" ? body.password : "";
  if (!email || !password) return NextResponse.json({ error: "Enter your email and password." }, { status: 400 });
  const answer = await signInWithPassword(email, password, callerAddress(request));
  if (!answer.ok) return NextResponse.json({ error: answer.error, retryAfterSeconds: answer.retryAfterSeconds }, { status: answer.status });
  const response = NextResponse.json({ signedIn: true });
  // The cookie ends with the session.
  const seconds = Math.max(60, Math.floor((Date.parse(answer.expiresAt) - Date.now()) / 1000));
  response.cookies.set({ ...sessionCookie(request, answer.token), maxAge: seconds });
  return response;
}

export async function DELETE(request: Request) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "cross-site request refused" }, { status: 403 });
  const token = await getSessionToken();
  if (token?.startsWith("pgs_")) await signOutAtApi(token);
  const response = NextResponse.json({ signedOut: true });
  response.cookies.set({ ...sessionCookie(request, ""), maxAge: 0 });
  response.cookies.delete(SESSION_COOKIE);
  return response;
}
