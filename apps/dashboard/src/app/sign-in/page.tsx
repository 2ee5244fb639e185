import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

export default function SignInPage() {
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1><span className="logo" aria-hidden="true">▲</span> Sign in to Pergola</h1>
        <p className="muted">Paste an API token. <code>npm start</code> prints the admin token on its first start (and keeps it in <code>.pergola/admin-token</code>).</p>
        <SignInForm />
      </div>
    </main>
  );
}
