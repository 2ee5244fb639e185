"use client";
/** A Project's archived (deleted) Stages, each with RESTORE: it comes back as it was, and into the live list. */
import { useEffect } from "react";
import { useMutation, useQuery } from "urql";
import { DashboardArchivedStagesDocument, DashboardRestoreStageDocument } from "@/lib/documents";
import { ago, utc } from "@/lib/format";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";

export function ArchivedStages({ project, version }: { project: string; version: number }) {
  const [{ data, error }, reread] = useQuery({
    query: DashboardArchivedStagesDocument,
    variables: { project },
    requestPolicy: "network-only",
  });
  const [restore, doRestore] = useMutation(DashboardRestoreStageDocument);
  // Read again when the live list saw a Stage archived or restored.
  useEffect(() => {
    if (version > 0) reread({ requestPolicy: "network-only" });
  }, [version, reread]);
  const stages = data?.stages ?? [];
  if (stages.length === 0 && !error) return null;
  return (
    <details className="panel archived" data-testid="archived-stages">
      <summary>Archived Stages ({stages.length})</summary>
      <ErrorNote error={error ?? restore.error} />
      <ul className="list">
        {stages.map((s) => (
          <li key={s.slug} className="archived-stage" data-testid={`archived-${s.slug}`}>
            <strong>{s.name}</strong> <span className="mono muted">{s.slug}</span> <Badge value={s.type} />{" "}
            <span className="muted small" title={s.archivedAt ? utc(s.archivedAt) : undefined}>
              deleted {s.archivedAt ? ago(s.archivedAt) : ""}
            </span>
            <button
              type="button"
              className="btn"
              disabled={restore.fetching}
              onClick={async () => {
                const result = await doRestore({ project, stage: s.slug });
                if (!result.error) reread({ requestPolicy: "network-only" });
              }}
            >
              RESTORE
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
