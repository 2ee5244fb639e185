"use client";
import { useState } from "react";

export function SignInForm() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        const response = await fetch("/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
        if (response.ok) {
          window.location.assign("/");
          return;
        }
        const body = (await response.json().catch(() => ({}))) as { error?: string };
        setError(body.error ?? "Sign-in failed.");
        setBusy(false);
      }}
    >
      <label className="field">
        <span>API token</span>
        <input type="password" name="token" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? "signin-error" : undefined} placeholder="pgl_…" autoFocus />
      </label>
      {error ? <p id="signin-error" role="alert" className="error">{error}</p> : null}
      <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>{busy ? "Signing in…" : "SIGN IN"}</button>
    </form>
  );
}
