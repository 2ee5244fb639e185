"use client";
import { useState, type FormEvent } from "react";

type Mode = "password" | "key";

/** Email and password first; "Sign in with SSO" when the API offers it; an access key on request. */
export function SignInForm({ sso, ssoError }: { sso: boolean; ssoError?: string }) {
  const [mode, setMode] = useState<Mode>("password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  // Why the last SSO sign-in came back refused; it goes with the next attempt.
  const [notice, setNotice] = useState<string | null>(ssoError ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent, body: Record<string, string>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    const response = await fetch("/api/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    if (response?.ok) {
      window.location.assign("/");
      return;
    }
    const answer = (await response?.json().catch(() => ({}))) as { error?: string } | undefined;
    setError(answer?.error ?? "Sign-in failed.");
    setBusy(false);
  }

  const errorLine = error ? (
    <p id="signin-error" role="alert" className="error">
      {error}
    </p>
  ) : null;
  const noticeLine = notice ? (
    <p role="alert" className="error">
      {notice}
    </p>
  ) : null;
  const described = error ? "signin-error" : undefined;

  if (mode === "key") {
    return (
      <form className="stack" aria-label="Sign in with an access key" onSubmit={(e) => submit(e, { token })}>
        <p className="muted">
          Paste an access key (<code>&lt;id&gt;:&lt;secret&gt;</code>) or API token. <code>npm start</code> keeps the admin token in{" "}
          <code>.pergola/admin-token</code>.
        </p>
        <label className="field">
          <span>Access key</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            placeholder="pgl_… or id:secret"
            autoFocus
          />
        </label>
        {errorLine}
        <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "SIGN IN"}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setMode("password");
            setError(null);
          }}
        >
          Use email and password instead
        </button>
      </form>
    );
  }

  return (
    <div className="stack">
      {noticeLine}
      <form className="stack" aria-label="Sign in with email and password" onSubmit={(e) => submit(e, { email, password })}>
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            placeholder="you@example.com"
            autoFocus
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
          />
        </label>
        {errorLine}
        <button type="submit" className="btn btn-primary" disabled={busy || !email.trim() || !password}>
          {busy ? "Signing in…" : "SIGN IN"}
        </button>
      </form>
      {sso ? (
        <>
          <p className="muted small" style={{ textAlign: "center" }}>
            or
          </p>
          {/* A navigation, not a fetch: the browser goes on to the sign-in provider. */}
          <a className="btn" style={{ justifyContent: "center" }} href="/api/session/sso">
            SIGN IN WITH SSO
          </a>
        </>
      ) : null}
      <button
        type="button"
        className="btn btn-ghost small"
        onClick={() => {
          setMode("key");
          setError(null);
        }}
      >
        Use an access key instead
      </button>
    </div>
  );
}
