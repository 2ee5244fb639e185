"use client";
/**
 * The Stage's Backups tab: its backups, newest first (`backups`), read again whenever an event of
 * this Stage arrives (`version` moves; BACKUP_* events are among them), so PENDING turns READY by
 * itself. "+ NEW BACKUP" asks for a display name; RESTORE is offered on READY backups only while
 * the Stage is SUSPENDED (the API's own rule: it answers STATE_CONFLICT otherwise) and asks first,
 * since the Stage's storages are replaced.
 */
import { useEffect, useId, useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  type BackupRow,
  DashboardCreateBackupDocument,
  DashboardRestoreBackupDocument,
  DashboardStageBackupsDocument,
  type StageState,
} from "@/lib/documents";
import { ago, utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";
import { Badge } from "./badges";
import { ConfirmDialog } from "./confirm-dialog";
import { Dialog } from "./dialog";
import { ErrorNote, errorMessage } from "./errors";
import { formatBytes } from "./stage-monitoring";

export function StageBackups({
  project,
  stage,
  state,
  retention,
  version,
}: {
  project: string;
  stage: string;
  state: StageState;
  /** How many READY backups the Stage keeps (`Stage.backupRetention`). */
  retention: number;
  version: number;
}) {
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: DashboardStageBackupsDocument,
    variables: { project, stage },
    requestPolicy: "network-only",
  });
  useEffect(() => {
    if (version > 0) reexecute({ requestPolicy: "network-only" });
  }, [version, reexecute]);
  const now = useNow(5000);
  const [creating, setCreating] = useState(false);
  const [restoring, setRestoring] = useState<BackupRow | null>(null);
  const [restoreState, restoreBackup] = useMutation(DashboardRestoreBackupDocument);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const backups = data?.backups ?? [];
  const suspended = state === "SUSPENDED";

  return (
    <section className="panel" aria-labelledby="backups-title" data-testid="backups">
      <div className="panel-head">
        <h2 id="backups-title">Backups</h2>
        <span className="muted small">keeps the newest {retention} ready</span>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          + NEW BACKUP
        </button>
      </div>
      <ErrorNote error={error} />
      {restoreError ? (
        <p role="alert" className="error">
          {restoreError}
        </p>
      ) : null}
      {backups.length === 0 ? (
        <p className="muted">{fetching ? "Loading…" : "No backups yet."}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="backup-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">Storages</th>
                <th scope="col">Restore</th>
              </tr>
            </thead>
            <tbody>
              {backups.map((b) => (
                <tr key={b.id} data-testid={`backup-${b.displayName}`}>
                  <td data-label="Name">{b.displayName}</td>
                  <td data-label="State">
                    <Badge value={b.state} testId="backup-state" />
                    {b.message ? <span className="small muted"> {b.message}</span> : null}
                  </td>
                  <td data-label="Size" className="mono">
                    {b.state === "READY" ? formatBytes(Number(b.size)) : "—"}
                  </td>
                  <td data-label="Created" title={utc(b.createdAt)}>
                    {ago(b.createdAt, now)}
                  </td>
                  <td data-label="Storages">
                    <ul className="plain-list small">
                      {b.storages.map((s) => (
                        <li key={s.name}>
                          <span className="mono">{s.name}</span> {s.ready ? "ready" : <span className="muted">pending</span>}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td data-label="Restore">
                    {b.restoreState ? (
                      <span data-testid="restore-state">
                        <Badge value={b.restoreState} label={`RESTORE ${b.restoreState}`} />
                        {b.restoreMessage ? <span className="small muted"> {b.restoreMessage}</span> : null}{" "}
                      </span>
                    ) : null}
                    {b.state === "READY" ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!suspended || b.restoreState === "PENDING"}
                        title={suspended ? undefined : "suspend the Stage to restore"}
                        onClick={() => {
                          setRestoreError(null);
                          setRestoring(b);
                        }}
                      >
                        RESTORE
                      </button>
                    ) : null}
                    {b.state === "READY" && !suspended ? (
                      <span className="small muted" data-testid="restore-hint">
                        {" "}
                        suspend the Stage to restore
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="New backup" open={creating} onClose={() => setCreating(false)}>
        <NewBackupForm
          project={project}
          stage={stage}
          onDone={() => {
            setCreating(false);
            reexecute({ requestPolicy: "network-only" });
          }}
          onCancel={() => setCreating(false)}
        />
      </Dialog>
      <ConfirmDialog
        title="Restore backup"
        open={restoring !== null}
        action="RESTORE"
        busy={restoreState.fetching}
        onClose={() => setRestoring(null)}
        onConfirm={async () => {
          if (!restoring) return;
          const result = await restoreBackup({ project, stage, backup: restoring.id });
          setRestoring(null);
          if (result.error) setRestoreError(errorMessage(result.error) ?? "The restore was refused.");
          else reexecute({ requestPolicy: "network-only" });
        }}
      >
        <p>
          Replace the storages of Stage <span className="mono">{stage}</span> with those of backup “{restoring?.displayName}”? What they
          hold now is lost. The Stage can be resumed once the restore is done.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function NewBackupForm({ project, stage, onDone, onCancel }: { project: string; stage: string; onDone: () => void; onCancel: () => void }) {
  const nameId = useId();
  const [displayName, setDisplayName] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, createBackup] = useMutation(DashboardCreateBackupDocument);
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        setFormError(null);
        const result = await createBackup({ project, stage, displayName: displayName.trim() });
        if (result.error) setFormError(errorMessage(result.error) ?? "The backup was not made.");
        else onDone();
      }}
    >
      <div className="field">
        <label htmlFor={nameId}>Display name</label>
        <input id={nameId} value={displayName} placeholder="before the migration" onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <p className="hint">A running Stage is copied as it is (crash-consistent); suspend it first for an exact copy.</p>
      {formError ? (
        <p role="alert" className="error">
          {formError}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={fetching || !displayName.trim()}>
          CREATE
        </button>
      </div>
    </form>
  );
}
