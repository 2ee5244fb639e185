"use client";
/**
 * A Project's Stages, live: the list is read with the Project's cursor, then every event that
 * names a Stage (its state, its Releases, its Components' health, its Outpost link) is followed
 * after it, each carrying the Stage as it then is. An event replaces its Stage when it is newer
 * than the list it lands on.
 */
import Link from "next/link";
import { useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { DashboardProjectStagesDocument, DashboardStageEventsDocument, type StageRow, type StageType } from "@/lib/documents";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";
import { NewStageDialog } from "./new-stage-dialog";
import { OutpostConnectionButton } from "./outpost-connection";
import { useFirst } from "@/lib/hooks";
import { newer } from "@/lib/format";

type Change = { cursor: string; deleted: boolean; stage: StageRow };

export function StageList({ project }: { project: string }) {
  const [{ data, error, fetching }] = useQuery({
    query: DashboardProjectStagesDocument,
    variables: { project },
    requestPolicy: "network-only",
  });
  const listCursor = data?.project?.cursor;
  const after = useFirst(listCursor);
  const [live] = useSubscription(
    { query: DashboardStageEventsDocument, variables: { project, after }, pause: after === undefined },
    (changes: Record<string, Change> = {}, { events: event }) =>
      event.stage
        ? { ...changes, [event.stage.slug]: { cursor: event.cursor, deleted: event.kind === "STAGE_DELETED", stage: event.stage } }
        : changes,
  );
  const [filter, setFilter] = useState<"ALL" | StageType>("ALL");
  const [open, setOpen] = useState(false);

  const stages = useMemo(() => {
    const bySlug = new Map<string, StageRow>((data?.project?.stages ?? []).map((s) => [s.slug, s]));
    for (const change of Object.values(live.data ?? {})) {
      if (!newer(change.cursor, listCursor)) continue;
      if (change.deleted) bySlug.delete(change.stage.slug);
      else bySlug.set(change.stage.slug, change.stage);
    }
    return [...bySlug.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [data, live.data, listCursor]);
  const shown = filter === "ALL" ? stages : stages.filter((s) => s.type === filter);

  if (data && !data.project)
    return (
      <p role="alert" className="error">
        No Project “{project}”, or your token may not see it.
      </p>
    );
  return (
    <section aria-labelledby="stages-title">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <span>{data?.project?.name ?? project}</span>
      </nav>
      <div className="page-head">
        <h1 id="stages-title">
          {data?.project?.name ?? project} <span className="muted">· Stages</span>
        </h1>
        <div className="head-actions">
          <label className="field inline">
            <span>Filter by type</span>
            <select value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
              <option value="ALL">All types</option>
              <option value="DEV">DEV</option>
              <option value="QA">QA</option>
              <option value="PROD">PROD</option>
            </select>
          </label>
          <Link href={`/projects/${project}/members`} className="btn">
            MEMBERS
          </Link>
          <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
            + NEW STAGE
          </button>
        </div>
      </div>
      <ErrorNote error={error ?? live.error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {data?.project && stages.length === 0 ? (
        <div className="empty">
          <h2>No Stages yet</h2>
          <p className="muted">A Stage is a runtime environment: DEV, QA or PROD, here or on an Outpost.</p>
          <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
            + NEW STAGE
          </button>
        </div>
      ) : null}
      {stages.length > 0 && shown.length === 0 ? <p className="empty muted">No {filter} Stages.</p> : null}
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Stage ID</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col">Release</th>
                <th scope="col">
                  <span className="sr-only">Outpost</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((stage) => (
                <tr key={stage.slug} data-testid={`stage-row-${stage.slug}`}>
                  <td data-label="Name">
                    <Link href={`/projects/${project}/stages/${stage.slug}`} className="strong">
                      {stage.name}
                    </Link>
                  </td>
                  <td data-label="Stage ID" className="mono">
                    {stage.slug}
                  </td>
                  <td data-label="Type">
                    <Badge value={stage.type} />
                  </td>
                  <td data-label="State">
                    <Badge value={stage.state} testId="stage-state" />
                  </td>
                  <td data-label="Health">
                    <Badge value={stage.health} testId="stage-health" />
                  </td>
                  <td data-label="Release">
                    {stage.currentRelease ? (
                      <span>
                        <span className="mono">
                          #{stage.currentRelease.number} {stage.currentRelease.build.name}
                        </span>{" "}
                        <Badge value={stage.currentRelease.state} />
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td data-label="Outpost">
                    {stage.isOutpost ? (
                      <OutpostConnectionButton project={project} stage={stage.slug} status={stage.outpost?.status} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <NewStageDialog project={project} open={open} onClose={() => setOpen(false)} />
    </section>
  );
}
