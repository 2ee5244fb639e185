"use client";
/**
 * A Project's Stages, live, a page at a time (oldest first; "LOAD MORE" reads the next page).
 * Each page comes with the Project's event cursor read before it; every event that names a Stage
 * (its state, its Releases, its Components' health, its Outpost link) is followed after the
 * first page's, each carrying the Stage as it then is. An event replaces its Stage when it is
 * newer than the page the Stage was read in; a Stage created meanwhile joins at the end (its page,
 * when it is read, puts it in its place). The type filter is the API's (`type`).
 */
import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import {
  DashboardStageEventsDocument,
  DashboardStageListPageDocument,
  DashboardStageTrendsDocument,
  type StageRow,
  type StageType,
} from "@/lib/documents";
import { Sparkline } from "./sparkline";
import { ArchivedStages } from "./archived-stages";
import { DeleteProjectButton } from "./project-archive";
import { formatCores } from "./stage-monitoring";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";
import { LoadMore } from "./load-more";
import { NewStageDialog } from "./new-stage-dialog";
import { OutpostConnectionButton } from "./outpost-connection";
import { useFirst, useNow } from "@/lib/hooks";
import { newer } from "@/lib/format";
import { usePages } from "@/lib/pages";

/** The newest event of each Stage; `created`: the Stage was created after the list's first cursor. */
type Change = { cursor: string; deleted: boolean; created: boolean; stage: StageRow };
/** What the Stage events said: each Stage's newest change, and how many moved a Stage into or out of the archive. */
type LiveStages = { changes: Record<string, Change>; archiveMoves: number };
const ARCHIVE_MOVES: ReadonlySet<string> = new Set(["STAGE_DELETED", "STAGE_RESTORED", "STAGE_PURGED"]);

export function StageList({ project }: { project: string }) {
  const [filter, setFilter] = useState<"ALL" | StageType>("ALL");
  const list = usePages(DashboardStageListPageDocument, { project, type: filter === "ALL" ? null : filter }, (d) => d.stagesConnection);
  const data = list.pages[0]?.data;
  const after = useFirst(data?.stagesConnection.eventCursor);
  const [live] = useSubscription(
    { query: DashboardStageEventsDocument, variables: { project, after }, pause: after === undefined },
    (seen: LiveStages = { changes: {}, archiveMoves: 0 }, { events: event }) =>
      event.stage
        ? {
            changes: {
              ...seen.changes,
              [event.stage.slug]: {
                cursor: event.cursor,
                // Archived or purged: out of the live list either way.
                deleted: event.kind === "STAGE_DELETED" || event.kind === "STAGE_PURGED",
                // A restored Stage, like a new one, is in no page read before.
                created:
                  event.kind === "STAGE_CREATED" || event.kind === "STAGE_RESTORED" || Boolean(seen.changes[event.stage.slug]?.created),
                stage: event.stage,
              },
            },
            archiveMoves: seen.archiveMoves + (ARCHIVE_MOVES.has(event.kind) ? 1 : 0),
          }
        : seen,
  );
  // CPU sparklines: a point a minute, so read again every minute (the samples come on the agents' clock, not as events).
  const [trends, readTrends] = useQuery({ query: DashboardStageTrendsDocument, variables: { project }, requestPolicy: "network-only" });
  const minute = useNow(60_000);
  useEffect(() => {
    if (minute) readTrends({ requestPolicy: "network-only" });
  }, [minute, readTrends]);
  const trendOf = useMemo(
    () => new Map((trends.data?.stages ?? []).map((s) => [s.slug, s.usageTrend.map((p) => ({ at: p.at, value: p.cpu }))])),
    [trends.data],
  );
  const [open, setOpen] = useState(false);
  // Moves with each Stage deleted (archived), restored or purged: the archived list reads again.
  const archivedVersion = live.data?.archiveMoves ?? 0;
  const missing = list.error?.graphQLErrors.some((e) => e.extensions.code === "NOT_FOUND") ?? false;

  const stages = useMemo(() => {
    const bySlug = new Map<string, StageRow>();
    const readAt = new Map<string, string>();
    for (const page of list.pages) {
      for (const stage of page.nodes) {
        bySlug.set(stage.slug, stage);
        readAt.set(stage.slug, page.data.stagesConnection.eventCursor);
      }
    }
    for (const change of Object.values(live.data?.changes ?? {})) {
      const slug = change.stage.slug;
      if (!newer(change.cursor, readAt.get(slug) ?? after)) continue;
      // A Stage on a page not read yet: its page will show it as it then is.
      if (!readAt.has(slug) && !change.created) continue;
      if (change.deleted || (filter !== "ALL" && change.stage.type !== filter)) bySlug.delete(slug);
      else bySlug.set(slug, change.stage);
    }
    return [...bySlug.values()];
  }, [list.pages, live.data, after, filter]);

  if (missing)
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
          <DeleteProjectButton project={project} name={data?.project?.name ?? project} />
        </div>
      </div>
      <ErrorNote error={list.error ?? live.error} />
      {!data && list.fetching ? <p className="muted">Loading…</p> : null}
      {data?.project && stages.length === 0 && filter === "ALL" ? (
        <div className="empty">
          <h2>No Stages yet</h2>
          <p className="muted">A Stage is a runtime environment: DEV, QA or PROD, here or on an Outpost.</p>
          <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
            + NEW STAGE
          </button>
        </div>
      ) : null}
      {data && stages.length === 0 && filter !== "ALL" ? <p className="empty muted">No {filter} Stages.</p> : null}
      {stages.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Stage ID</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col">CPU (1 h)</th>
                <th scope="col">Release</th>
                <th scope="col">
                  <span className="sr-only">Outpost</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {stages.map((stage) => (
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
                  <td data-label="CPU (1 h)">
                    <Sparkline
                      points={trendOf.get(stage.slug) ?? []}
                      label={`CPU over the last hour, now ${formatCores(trendOf.get(stage.slug)?.at(-1)?.value ?? 0)}`}
                      testId="stage-sparkline"
                    />
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
      <LoadMore list={list} noun="Stages" />
      <ArchivedStages project={project} version={archivedVersion} />
      <NewStageDialog project={project} open={open} onClose={() => setOpen(false)} />
    </section>
  );
}
