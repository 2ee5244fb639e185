"use client";
/**
 * The signed-in user, top right: their name (their email on hover), opening a small disclosure
 * with Profile and Sign out. A disclosure rather than an ARIA menu: two plain links/buttons,
 * reachable with Tab; Escape, a click elsewhere or a navigation close it.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { SignOutButton } from "./sign-out-button";

export function UserMenu({ name, email, isAdmin }: { name: string; email: string; isAdmin: boolean }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const pathname = usePathname();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the menu closes whenever the route changes
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="btn btn-ghost user-button"
        title={email || undefined}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="avatar" aria-hidden="true">
          {initials(name)}
        </span>
        <span className="user-name">{name}</span>
        <span aria-hidden="true" className="muted">
          ▾
        </span>
      </button>
      <div id={panelId} className="user-panel" hidden={!open}>
        <div className="user-id">
          <strong>{name}</strong>
          {email ? <span className="muted small">{email}</span> : null}
          {isAdmin ? <span className="muted small">Administrator</span> : null}
        </div>
        <Link href="/profile" className="user-item">
          Profile
        </Link>
        <SignOutButton className="user-item" />
      </div>
    </div>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts.length > 1 ? parts[parts.length - 1]![0] : "")).toUpperCase();
}
