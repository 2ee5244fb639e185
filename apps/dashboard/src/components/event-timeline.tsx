"use client";
/**
 * The Stage's live event timeline: the Project's `events`, filtered to this Stage. It starts a
 * little before the page's cursor to show recent history, and tells the page about each new event.
 */
import { useEffect, useState } from "react";
import { useSubscription } from "urql";
import { DashboardEventsDocument, type ProjectEventRow } from "@/lib/documents";
import { ago, newer, utc } from "@/lib/format";
import { useFirst, useNow } from "@/lib/hooks";

const BACKLOG = 200n;

export function EventTimeline({
  project,
  stage,
  cursor,
  onEvent,
}: {
  project: string;
  stage: string;
  cursor: string | undefined;
  onEvent: () => void;
}) {
  const [resync, setResync] = useState(false);
  // Where the stream starts must not move when the page refetches (a new cursor would restart it).
  const start = useFirst(cursor);
  const after = start === undefined ? undefined : resync ? start : String(BigInt(start) > BACKLOG ? BigInt(start) - BACKLOG : 0n);
  const now = useNow(5000);
  const [live] = useSubscription(
    { query: DashboardEventsDocument, variables: { project, after }, pause: after === undefined },
    (prev: ProjectEventRow[] = [], e) =>
      (e.events.stage?.slug ?? getStageSlug(e.events.subject)) === stage ? addEvent(prev, e.events) : prev,
  );
  useEffect(() => {
    if (live.error?.graphQLErrors.some((e) => e.extensions?.code === "RESYNC_REQUIRED")) setResync(true);
  }, [live.error]);
  const newest = live.data?.[0];
  useEffect(() => {
    if (newest && newer(newest.cursor, cursor)) onEvent();
  }, [newest, cursor, onEvent]);
  const events = live.data ?? [];
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <div className="panel-head">
        <h2 id="timeline-title">Events</h2>
        <span className="badge badge-ok">
          <span className="dot" aria-hidden="true" />
          LIVE
        </span>
      </div>
      {events.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="timeline" aria-label="Stage events" data-testid="event-timeline">
          {events.map((e) => (
            <li key={e.cursor}>
              <span className="chip">{e.kind}</span>
              <span className="small">{describe(e)}</span>
              <time className="muted small" dateTime={e.at} title={utc(e.at)}>
                {ago(e.at, now)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Newest first, each event once (a resumed stream may hand one over again), at most 50. */
function addEvent(list: ProjectEventRow[], event: ProjectEventRow): ProjectEventRow[] {
  if (list.some((e) => e.cursor === event.cursor)) return list;
  return [...list, event].sort((a, b) => (BigInt(b.cursor) > BigInt(a.cursor) ? 1 : -1)).slice(0, 50);
}

/** The Stage an event's subject belongs to, also when it has been deleted since (then `stage` is null). */
function getStageSlug(subject: ProjectEventRow["subject"]): string | undefined {
  if (!subject) return undefined;
  return subject.__typename === "StageSnapshot" ? subject.slug : subject.stage.slug;
}

function describe({ kind, subject }: ProjectEventRow): string {
  switch (subject?.__typename) {
    case "StageSnapshot":
      return kind === "STAGE_HEALTH_CHANGED" ? (subject.stageHealth ?? "") : subject.state;
    case "ComponentSnapshot":
      return subject.command
        ? `${subject.name}: ${subject.command} requested`
        : `${subject.name} ${subject.componentState} ${subject.health}`;
    case "ReleaseSnapshot":
      return `${subject.number} ${subject.releaseState}`;
    case "OutpostLinkSnapshot":
      return subject.status;
    case "ConfigurationSnapshot":
      return `${subject.name} ${subject.version}`;
    case "BackupSnapshot":
      return subject.restoreState && kind.startsWith("BACKUP_RESTORE")
        ? `${subject.displayName}: restore ${subject.restoreState}`
        : `${subject.displayName} ${subject.backupState}`;
    default:
      return "";
  }
}
