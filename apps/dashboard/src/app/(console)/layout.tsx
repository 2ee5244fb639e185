/**
 * Every signed-in screen: checks the session with the API (`me`) on each request, then hands the
 * API's URL — known only to the server, from PERGOLA_API_URL — to the browser's live client.
 */
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { UserMenu } from "@/components/user-menu";
import { getEnv } from "@/env";
import { getMe, getSessionToken } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const token = await getSessionToken();
  const me = token ? await getMe(token) : undefined;
  if (!me) redirect("/sign-in");
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Pergola home">
          <span className="logo" aria-hidden="true">
            ▲
          </span>{" "}
          Pergola
        </Link>
        <nav aria-label="Main" className="topnav">
          <Link href="/">Projects</Link>
          {me.role === "ADMIN" ? <Link href="/outposts">Outposts</Link> : null}
          {me.role === "ADMIN" ? <Link href="/users">Users</Link> : null}
          {me.role === "ADMIN" ? <Link href="/policies">Policies</Link> : null}
        </nav>
        <div className="who">
          <UserMenu name={me.name} email={me.email} isAdmin={me.role === "ADMIN"} />
        </div>
      </header>
      <main className="page">
        <Providers apiUrl={getEnv().PERGOLA_API_URL}>{children}</Providers>
      </main>
    </>
  );
}
