import { getSignInOptions } from "../api/session/session-api";
import { SignInForm } from "./sign-in-form";
import { describeSsoError } from "./sso-errors";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string | string[] }> }) {
  const { error } = await searchParams;
  const options = await getSignInOptions();
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1>
          <span className="logo" aria-hidden="true">
            ▲
          </span>{" "}
          Sign in to Pergola
        </h1>
        <SignInForm sso={options.sso} ssoError={describeSsoError(typeof error === "string" ? error : undefined)} />
      </div>
    </main>
  );
}
