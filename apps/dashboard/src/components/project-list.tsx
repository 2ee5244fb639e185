"use client";
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { DashboardCreateProjectDocument, DashboardProjectsChangedDocument, DashboardProjectsDocument } from "@/lib/documents";
import { Dialog } from "./dialog";
import { ErrorNote } from "./errors";
import { deriveSlug } from "@/lib/slug";

/** The Project list: read once for the first paint, then live (`projectsChanged` sends the whole list on each new Project). */
export function ProjectList() {
  const [{ data, error, fetching }] = useQuery({ query: DashboardProjectsDocument });
  const [live] = useSubscription({ query: DashboardProjectsChangedDocument });
  const [open, setOpen] = useState(false);
  const projects = live.data?.projectsChanged ?? data?.projects ?? [];
  return (
    <section aria-labelledby="projects-title">
      <div className="page-head">
        <h1 id="projects-title">Projects</h1>
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
          + NEW PROJECT
        </button>
      </div>
      <ErrorNote error={error ?? live.error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {data && projects.length === 0 ? (
        <div className="empty">
          <h2>No Projects yet</h2>
          <p className="muted">A Project holds Stages: DEV, QA and PROD environments of one application.</p>
          <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
            + NEW PROJECT
          </button>
        </div>
      ) : null}
      <ul className="grid" aria-label="Projects">
        {projects.map((project) => (
          <li key={project.id}>
            <Link href={`/projects/${project.slug}`} className="card card-link" data-testid={`project-${project.slug}`}>
              <strong>{project.name}</strong>
              <span className="mono muted">{project.slug}</span>
              <span className="muted">
                {project.stages.length} {project.stages.length === 1 ? "Stage" : "Stages"}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <Dialog title="New Project" open={open} onClose={() => setOpen(false)}>
        <NewProjectForm onDone={() => setOpen(false)} />
      </Dialog>
    </section>
  );
}

function NewProjectForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [{ fetching, error }, create] = useMutation(DashboardCreateProjectDocument);
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await create({ name: name.trim() });
        if (result.data) onDone();
      }}
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </label>
      <p className="muted small">
        Slug: <span className="mono">{deriveSlug(name) || "—"}</span>
      </p>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={fetching || !deriveSlug(name)}>
          CREATE
        </button>
      </div>
    </form>
  );
}
