/**
 * "Sign in with SSO": a verifier for the hand-off goes into a short cookie (SameSite=Lax: it
 * must come back on the top-level navigation from the provider), its challenge and where to
 * return to go to the API, which sends the browser on to the provider.
 */
import { NextResponse } from "next/server";
import { dashboardOrigin, getSignInOptions, newHandoffVerifier, SSO_CALLBACK, SSO_COOKIE } from "../session-api";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const origin = dashboardOrigin(request);
  const options = await getSignInOptions();
  if (!options.sso || !options.ssoUrl) return NextResponse.redirect(`${origin}/sign-in?error=sso_off`, 303);
  const { verifier, challenge } = newHandoffVerifier();
  const start = new URL(options.ssoUrl);
  start.searchParams.set("returnTo", `${origin}${SSO_CALLBACK}`);
  start.searchParams.set("challenge", challenge);
  const response = NextResponse.redirect(start, 303);
  response.cookies.set({
    name: SSO_COOKIE,
    value: verifier,
    httpOnly: true,
    sameSite: "lax",
    secure: origin.startsWith("https:"),
    path: "/api/session/sso",
    maxAge: 600,
  });
  response.headers.set("cache-control", "no-store");
  return response;
}
