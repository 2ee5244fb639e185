/**
 * A one-time, 30-second WebSocket ticket for the browser's graphql-ws client, made by the API
 * for the cookie's token. The browser asks again before every (re)connect.
 */
import { NextResponse } from "next/server";
import { callApi, getSessionToken, isSameOrigin } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  if (!isSameOrigin(request)) return NextResponse.json({ error: "cross-site request refused" }, { status: 403 });
  const token = await getSessionToken();
  if (!token) return NextResponse.json({ error: "not signed in" }, { status: 401 });
  try {
    const answer = await callApi(token, JSON.stringify({ query: "mutation { createSocketTicket { ticket expiresAt } }" }));
    const parsed = JSON.parse(answer.body) as { data?: { createSocketTicket?: { ticket: string; expiresAt: string } } | null };
    const ticket = parsed.data?.createSocketTicket;
    if (!ticket) return NextResponse.json({ error: "no ticket" }, { status: 401 });
    return NextResponse.json(ticket, { headers: { "cache-control": "no-store" } });
  } catch {
    return NextResponse.json({ error: "The API cannot be reached" }, { status: 502 });
  }
}
