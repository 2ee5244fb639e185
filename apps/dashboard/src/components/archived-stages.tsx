"use client";
/**
 * A Project's archived (deleted) Stages, each with RESTORE (it comes back as it was, and into
 * the live list) and PURGE (owners: gone for good, with its storage; a PROD Stage asks for its
 * Stage ID, as the API does).
 */
import { useEffect, useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  DashboardArchivedStagesDocument,
  DashboardPurgeStageDocument,
  DashboardRestoreStageDocument,
  type StageType,
} from "@/lib/documents";
import { ArchivedPanel, DeletedAgo } from "./archived-panel";
import { Badge } from "./badges";
import { ConfirmDialog } from "./confirm-dialog";
import { ErrorNote } from "./errors";

interface ArchivedStage {
  slug: string;
  name: string;
  type: StageType;
}

export function ArchivedStages({ project, version }: { project: string; version: number }) {
  const [{ data, error }, reread] = useQuery({
    query: DashboardArchivedStagesDocument,
    variables: { project },
    requestPolicy: "network-only",
  });
  const [restore, doRestore] = useMutation(DashboardRestoreStageDocument);
  const [purging, setPurging] = useState<ArchivedStage | null>(null);
  // Read again when the live list saw a Stage archived or restored.
  useEffect(() => {
    if (version > 0) reread({ requestPolicy: "network-only" });
  }, [version, reread]);
  const stages = data?.stages ?? [];
  if (stages.length === 0 && !error) return null;
  return (
    <>
      <ArchivedPanel title={`Archived Stages (${stages.length})`} testId="archived-stages" error={error ?? restore.error}>
        {stages.map((s) => (
          <li key={s.slug} className="archived-stage" data-testid={`archived-${s.slug}`}>
            <strong>{s.name}</strong> <span className="mono muted">{s.slug}</span> <Badge value={s.type} /> <DeletedAgo at={s.archivedAt} />
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
            <button type="button" className="btn btn-danger" onClick={() => setPurging(s)}>
              PURGE
            </button>
          </li>
        ))}
      </ArchivedPanel>
      {purging ? (
        <PurgeStage
          project={project}
          stage={purging}
          onClose={() => setPurging(null)}
          onPurged={() => {
            setPurging(null);
            reread({ requestPolicy: "network-only" });
          }}
        />
      ) : null}
    </>
  );
}

function PurgeStage({
  project,
  stage,
  onClose,
  onPurged,
}: {
  project: string;
  stage: ArchivedStage;
  onClose: () => void;
  onPurged: () => void;
}) {
  const [purge, doPurge] = useMutation(DashboardPurgeStageDocument);
  const [typed, setTyped] = useState("");
  const prod = stage.type === "PROD";
  return (
    <ConfirmDialog
      title={`Purge ${stage.name}?`}
      open
      action="PURGE"
      busy={purge.fetching || (prod && typed !== stage.slug)}
      onClose={onClose}
      onConfirm={async () => {
        const result = await doPurge({ project, stage: stage.slug, confirm: prod ? typed : null });
        if (!result.error) onPurged();
      }}
    >
      <p>{stage.name} goes for good: its Releases, Configurations, backups and the storage on its agent's host. This cannot be undone.</p>
      {prod ? (
        <label className="field">
          <span>Type the Stage ID, {stage.slug}, to purge this PROD Stage</span>
          <input className="mono" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
      ) : null}
      <ErrorNote error={purge.error} />
    </ConfirmDialog>
  );
}
