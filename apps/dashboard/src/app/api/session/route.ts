/** Sign-in (POST { token }) and sign-out (DELETE): the token is checked against the API, then kept in the cookie. */
import { NextResponse } from "next/server";
import { getMe, isSameOrigin, SESSION_COOKIE, sessionCookie } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "cross-site request refused" }, { status: 403 });
  const body = (await request.json().catch(() => ({}))) as { token?: unknown };
  const token = typeof body.token === "string" ? body.token.trim() : "";
  if (!token) return NextResponse.json({ error: "Enter an API token." }, { status: 400 });
  const me = await getMe(token);
  if (!me) return NextResponse.json({ error: "The API does not accept this token." }, { status: 401 });
  if (me.role === "AGENT") return NextResponse.json({ error: "An agent token cannot sign in." }, { status: 403 });
  const response = NextResponse.json({ me });
  response.cookies.set(sessionCookie(request, token));
  return response;
}

export async function DELETE(request: Request) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "cross-site request refused" }, { status: 403 });
  const response = NextResponse.json({ signedOut: true });
  response.cookies.set({ ...sessionCookie(request, ""), maxAge: 0 });
  response.cookies.delete(SESSION_COOKIE);
  return response;
}
