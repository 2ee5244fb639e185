"use client";
/** Sign out through the session route (DELETE): it ends a session at the API and clears the httpOnly cookie. */
export function SignOutButton({ className = "btn btn-ghost" }: { className?: string }) {
  return (
    <button
      type="button"
      className={className}
      onClick={async () => {
        await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
        window.location.assign("/sign-in");
      }}
    >
      Sign out
    </button>
  );
}
