"use client";
import { useSocketState } from "@/lib/hooks";

/** Shown while the live connection is down; subscriptions resume from their last cursor once it is back. */
export function ReconnectingBanner() {
  const state = useSocketState();
  return (
    <div
      role="status"
      aria-live="polite"
      className={state === "reconnecting" ? "banner" : "banner banner-hidden"}
      data-testid="socket-banner"
    >
      {state === "reconnecting" ? "Live updates lost — reconnecting…" : ""}
    </div>
  );
}
