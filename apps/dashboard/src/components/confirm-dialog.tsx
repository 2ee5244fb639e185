"use client";
/** Asks before something that cannot be undone; the confirming button names the action. */
import type { ReactNode } from "react";
import { Dialog } from "./dialog";

export function ConfirmDialog({
  title,
  open,
  action,
  busy,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  /** The confirming button's label, e.g. "DELETE". */
  action: string;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      <div className="stack">
        {children}
        <div className="actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={onConfirm}>
            {action}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
