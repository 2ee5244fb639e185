"use client";
export function SignOutButton() {
  return (
    <button
      type="button"
      className="btn btn-ghost"
      onClick={async () => {
        await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
        window.location.assign("/sign-in");
      }}
    >
      Sign out
    </button>
  );
}
