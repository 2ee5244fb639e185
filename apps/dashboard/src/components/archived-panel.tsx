"use client";
/** The folded panel that lists archived Projects or Stages, and when each was deleted. */
import type { ReactNode } from "react";
import type { CombinedError } from "urql";
import { ago, utc } from "@/lib/format";
import { ErrorNote } from "./errors";

export function ArchivedPanel({
  title,
  testId,
  error,
  children,
}: {
  /** e.g. "Archived Stages (2)" */
  title: string;
  testId: string;
  error?: CombinedError;
  /** One `<li>` per archived thing. */
  children: ReactNode;
}) {
  return (
    <details className="panel archived" data-testid={testId}>
      <summary>{title}</summary>
      <ErrorNote error={error} />
      <ul className="list">{children}</ul>
    </details>
  );
}

export function DeletedAgo({ at }: { at: string | null | undefined }) {
  return (
    <span className="muted small" title={at ? utc(at) : undefined}>
      deleted {at ? ago(at) : ""}
    </span>
  );
}
