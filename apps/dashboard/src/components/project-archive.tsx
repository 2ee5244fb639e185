"use client";
/**
 * Deleting a Project archives it (its Stages suspended and kept, its slug taken); the Projects
 * page lists the archived ones, each with RESTORE, which brings it back as it was.
 */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { DashboardArchivedProjectsDocument, DashboardDeleteProjectDocument, DashboardRestoreProjectDocument } from "@/lib/documents";
import { ArchivedPanel, DeletedAgo } from "./archived-panel";
import { ConfirmDialog } from "./confirm-dialog";
import { ErrorNote } from "./errors";

export function DeleteProjectButton({ project, name }: { project: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [remove, doRemove] = useMutation(DashboardDeleteProjectDocument);
  const router = useRouter();
  return (
    <>
      <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
        DELETE PROJECT
      </button>
      <ConfirmDialog
        title={`Delete ${name}?`}
        open={open}
        action="DELETE"
        busy={remove.fetching}
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          const result = await doRemove({ project });
          if (!result.error) router.push("/");
        }}
      >
        <p>
          The Project is archived: its Stages are suspended and keep their storage, and its slug stays taken. An owner or admin can restore
          it from the Projects page.
        </p>
        <ErrorNote error={remove.error} />
      </ConfirmDialog>
    </>
  );
}

/** The archived Projects the caller may see, each with RESTORE; nothing when there are none. */
export function ArchivedProjects({ onRestored }: { onRestored: () => void }) {
  const [{ data, error }, reread] = useQuery({ query: DashboardArchivedProjectsDocument, requestPolicy: "network-only" });
  const [restore, doRestore] = useMutation(DashboardRestoreProjectDocument);
  const projects = data?.projects ?? [];
  if (projects.length === 0 && !error) return null;
  return (
    <ArchivedPanel title={`Archived Projects (${projects.length})`} testId="archived-projects" error={error ?? restore.error}>
      {projects.map((p) => (
        <li key={p.id} className="archived-stage" data-testid={`archived-project-${p.slug}`}>
          <strong>{p.name}</strong> <span className="mono muted">{p.slug}</span> <DeletedAgo at={p.archivedAt} />
          <button
            type="button"
            className="btn"
            disabled={restore.fetching}
            onClick={async () => {
              const result = await doRestore({ project: p.slug });
              if (result.error) return;
              reread({ requestPolicy: "network-only" });
              onRestored();
            }}
          >
            RESTORE
          </button>
        </li>
      ))}
    </ArchivedPanel>
  );
}
