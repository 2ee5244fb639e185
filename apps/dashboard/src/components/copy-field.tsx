"use client";
import { useRef, useState } from "react";

/**
 * A read-only value (a secret shown once, a command) with a COPY button. Where the clipboard is
 * refused (a page not served over https or localhost), the value is selected for Ctrl+C instead.
 */
export function CopyField({ label, value }: { label: string; value: string }) {
  const [state, setState] = useState<"idle" | "copied" | "selected">("idle");
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="field">
      <span>{label}</span>
      <div className="row">
        <input ref={input} className="mono grow" readOnly value={value} aria-label={label} onFocus={(e) => e.target.select()} />
        <button
          type="button"
          className="btn"
          aria-label={`Copy ${label.toLowerCase()}`}
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setState("copied");
            } catch {
              input.current?.focus();
              input.current?.select();
              setState("selected");
            }
          }}
        >
          {state === "copied" ? "COPIED" : state === "selected" ? "PRESS CTRL+C" : "COPY"}
        </button>
      </div>
    </div>
  );
}
