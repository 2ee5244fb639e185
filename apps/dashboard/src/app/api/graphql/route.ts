/**
 * Queries and mutations from the browser: forwarded to the API with the cookie's token. Only
 * POST, only same-origin (CSRF), only JSON; the API's answer is passed through unchanged.
 */
import { NextResponse } from "next/server";
import { callApi, getSessionToken, isSameOrigin } from "@/lib/server/session";

export const dynamic = "force-dynamic";

const unauthenticated = { errors: [{ message: "Not signed in", extensions: { code: "UNAUTHENTICATED" } }] };

export async function POST(request: Request) {
  if (!isSameOrigin(request))
    return NextResponse.json({ errors: [{ message: "cross-site request refused", extensions: { code: "FORBIDDEN" } }] }, { status: 403 });
  if (!(request.headers.get("content-type") ?? "").includes("application/json"))
    return NextResponse.json({ errors: [{ message: "JSON only", extensions: { code: "BAD_USER_INPUT" } }] }, { status: 415 });
  const token = await getSessionToken();
  if (!token) return NextResponse.json(unauthenticated, { status: 401 });
  try {
    const answer = await callApi(token, await request.text());
    return new NextResponse(answer.body, {
      status: answer.status,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  } catch {
    return NextResponse.json(
      { errors: [{ message: "The API cannot be reached", extensions: { code: "INTERNAL_SERVER_ERROR" } }] },
      { status: 502 },
    );
  }
}
