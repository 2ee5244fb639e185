"use client";
import Link from "next/link";
import { useMemo, useRef, useState } from "react";
import { useMutation, useSubscription } from "urql";
import { DashboardCreateProjectDocument, DashboardProjectsChangedDocument, DashboardProjectsPageDocument } from "@/lib/documents";
import { usePages } from "@/lib/pages";
import { Dialog } from "./dialog";
import { ErrorNote } from "./errors";
import { LoadMore } from "./load-more";
import { ArchivedProjects } from "./project-archive";
import { deriveSlug } from "@/lib/slug";

const NO_VARIABLES = {};

/**
 * The Project list, a page at a time (oldest first; "LOAD MORE" reads the next), then live:
 * `projectsChanged` sends the caller's whole list, first as it is and again on each new Project.
 * Projects it sends that no page holds are shown at the end when every page is read, and new
 * ones (not in its first list) at once; older ones wait for their page.
 */
export function ProjectList() {
  const list = usePages(DashboardProjectsPageDocument, NO_VARIABLES, (d) => d.projectsConnection);
  const [live] = useSubscription({ query: DashboardProjectsChangedDocument });
  const known = useRef<Set<string> | null>(null);
  if (live.data && !known.current) known.current = new Set(live.data.projectsChanged.map((p) => p.id));
  const [open, setOpen] = useState(false);
  const projects = useMemo(() => {
    const paged = new Set(list.nodes.map((p) => p.id));
    const extra = (live.data?.projectsChanged ?? []).filter((p) => !paged.has(p.id) && (!list.hasNextPage || !known.current?.has(p.id)));
    return [...list.nodes, ...extra];
  }, [list.nodes, list.hasNextPage, live.data]);
  const data = list.pages[0];
  const { error, fetching } = list;
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
      <LoadMore list={list} noun="Projects" />
      <ArchivedProjects onRestored={list.reload} />
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
