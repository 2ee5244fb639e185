"use client";
/**
 * The Outpost connection of a Stage: a badge button (only on Outpost Stages) and its popup.
 * The link is read with the Project's cursor and followed with `outpostLinkChanged` after it;
 * while the popup is open, `outpostChanged` adds heartbeats and the connection history
 * (admins only: a member sees the link without the history). "Last heartbeat" ticks on a
 * client-side 1 s timer over the newest heartbeat time received.
 */
import { useState } from "react";
import { useQuery, useSubscription } from "urql";
import { outpostHistoryTextOf } from "@pergola/schema";
import {
  DashboardOutpostChangedDocument,
  DashboardOutpostLinkChangedDocument,
  DashboardStageLinkDocument,
  type LinkStatus,
  type OutpostLinkView,
  type OutpostRow,
} from "@/lib/documents";
import { Dialog } from "./dialog";
import { ago, newer, utc } from "@/lib/format";
import { useFirst, useNow } from "@/lib/hooks";

function useOutpostLink(project: string, stage: string) {
  const [{ data }] = useQuery({ query: DashboardStageLinkDocument, variables: { project, stage }, requestPolicy: "network-only" });
  const cursor = data?.project?.cursor;
  const after = useFirst(cursor);
  const [live] = useSubscription(
    { query: DashboardOutpostLinkChangedDocument, variables: { project, stage, after }, pause: after === undefined },
    (_prev: { cursor: string; link: OutpostLinkView } | undefined, event) => ({
      cursor: event.outpostLinkChanged.cursor,
      link: event.outpostLinkChanged.link,
    }),
  );
  if (live.data && newer(live.data.cursor, cursor)) return live.data.link;
  return data?.stage?.outpost ?? null;
}

export function OutpostConnectionButton({ project, stage, status: listed }: { project: string; stage: string; status?: LinkStatus }) {
  const link = useOutpostLink(project, stage);
  const [open, setOpen] = useState(false);
  const status = link?.status ?? listed ?? "PENDING";
  return (
    <>
      <button
        type="button"
        className={`btn btn-small conn conn-${status.toLowerCase()}`}
        aria-label={`Outpost connection: ${status}`}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
        data-testid={`outpost-connection-${stage}`}
      >
        <span className="dot" aria-hidden="true" /> {status}
      </button>
      <Dialog title="Outpost connection" open={open} onClose={() => setOpen(false)} wide>
        {link ? <ConnectionDetails link={link} /> : <p className="muted">Loading…</p>}
      </Dialog>
    </>
  );
}

function ConnectionDetails({ link }: { link: OutpostLinkView }) {
  const now = useNow(1000);
  const [live] = useSubscription(
    { query: DashboardOutpostChangedDocument, variables: { outpost: link.outpost.slug } },
    (_prev: OutpostRow | undefined, event) => event.outpostChanged,
  );
  const outpost = live.data;
  const heartbeat = latest(link.lastHeartbeatAt, outpost?.lastSeenAt ?? null);
  const forbidden = live.error?.graphQLErrors.some((e) => e.extensions?.code === "FORBIDDEN");
  return (
    <div className="stack">
      <div className="conn-head">
        <span className={`conn-big conn-${link.status.toLowerCase()}`} data-testid="outpost-status">
          {link.status}
        </span>
        <div>
          <p className="strong">
            {link.outpost.name} <span className="mono muted">{link.outpost.uri}</span>
          </p>
          <p className="muted small">
            since {utc(link.since)} ({ago(link.since, now)})
          </p>
        </div>
      </div>
      <dl className="facts">
        <dt>Last heartbeat</dt>
        <dd data-testid="outpost-heartbeat" title={utc(heartbeat)}>
          {ago(heartbeat, now)}
        </dd>
        <dt>Latency</dt>
        <dd>{(outpost?.latencyMs ?? link.latencyMs) != null ? `${outpost?.latencyMs ?? link.latencyMs} ms` : "—"}</dd>
        <dt>Agent version</dt>
        <dd>{outpost?.agentVersion ?? link.agentVersion ?? "—"}</dd>
        <dt>Region</dt>
        <dd>{link.outpost.region ?? "—"}</dd>
        <dt>Sync</dt>
        <dd data-testid="outpost-sync">
          {link.inSync ? "In sync" : "Not in sync"}{" "}
          <span className="muted small">
            (generation {link.observedGeneration ?? "—"} of {link.generation})
          </span>
        </dd>
      </dl>
      <section aria-labelledby="conn-errors">
        <h3 id="conn-errors">Apply errors</h3>
        {link.errors.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="list" data-testid="outpost-errors">
            {link.errors.map((e) => (
              <li key={`${e.component}:${e.at}:${e.message}`}>
                <span className="mono strong">{e.component}</span> {e.message} <span className="muted small">{ago(e.at, now)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="conn-history">
        <h3 id="conn-history">Connection history</h3>
        {forbidden ? (
          <p className="muted">The connection history is for admins.</p>
        ) : !outpost ? (
          <p className="muted">Loading…</p>
        ) : (
          <ol className="timeline" data-testid="outpost-history">
            {(outpost.history ?? []).map((h) => (
              <li key={`${h.at}:${h.event}:${h.message}`}>
                <span className={`chip kind-${outpostHistoryTextOf(h.event)}`}>{outpostHistoryTextOf(h.event)}</span> {h.message}{" "}
                <time className="muted small" dateTime={h.at} title={utc(h.at)}>
                  {ago(h.at, now)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) > Date.parse(b) ? a : b;
}
