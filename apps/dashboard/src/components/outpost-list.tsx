"use client";
/**
 * Outposts (admins): the built-in `local` one first, then the list, each row live through its own
 * `outpostChanged` (the Outpost as it is, then after every change); create shows the URI, the
 * agent token once and the command.
 *
 * `local` has no row in the API: it is where every Stage without an Outpost runs, on the agent
 * `npm start` runs beside the API. The API keeps no connection state for that agent, so its row
 * says so instead of showing a status; its Stage count is every Stage an admin sees less those
 * on the listed Outposts.
 */
import { LOCAL_OUTPOST } from "@pergola/schema";
import { useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import {
  DashboardCreateOutpostDocument,
  DashboardDeleteOutpostDocument,
  DashboardOutpostChangedDocument,
  DashboardOutpostsPageDocument,
  DashboardProjectsDocument,
  DashboardRotateOutpostTokenDocument,
  type OutpostCredentialsView,
  type OutpostRow,
} from "@/lib/documents";
import { Badge } from "./badges";
import { CopyField } from "./copy-field";
import { Dialog } from "./dialog";
import { ErrorNote } from "./errors";
import { ago, utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";
import { parseLabels } from "@/lib/labels";
import { usePages } from "@/lib/pages";
import { LoadMore } from "./load-more";

const NO_VARIABLES = {};

export function OutpostList() {
  const list = usePages(DashboardOutpostsPageDocument, NO_VARIABLES, (d) => d.outpostsConnection);
  const { error, fetching } = list;
  const data = list.pages[0];
  const [projects] = useQuery({ query: DashboardProjectsDocument, requestPolicy: "network-only" });
  const [open, setOpen] = useState(false);
  const [credentials, setCredentials] = useState<OutpostCredentialsView | null>(null);
  const [removed, setRemoved] = useState<string[]>([]);
  const outposts = list.nodes.filter((o) => !removed.includes(o.slug));
  const reload = list.reload;
  return (
    <section aria-labelledby="outposts-title">
      <div className="page-head">
        <h1 id="outposts-title">Outposts</h1>
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
          + NEW OUTPOST
        </button>
      </div>
      <ErrorNote error={error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URI</th>
                <th scope="col">Region</th>
                <th scope="col">Status</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Agent</th>
                <th scope="col">Stages</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <LocalOutpostRow stageCount={list.hasNextPage ? null : localStageCount(list.nodes, projects.data?.projects)} />
              {outposts.map((o) => (
                <OutpostRowView
                  key={o.slug}
                  initial={o}
                  onCredentials={setCredentials}
                  onDeleted={() => setRemoved((r) => [...r, o.slug])}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore list={list} noun="Outposts" />
      {data && outposts.length === 0 ? (
        <p className="muted small empty-note">
          No remote Outposts yet. An Outpost is a remote host whose agent runs Stages; it dials out, so it works behind NAT. + NEW OUTPOST
          makes one.
        </p>
      ) : null}
      <Dialog title="New Outpost" open={open} onClose={() => setOpen(false)}>
        <NewOutpost
          onCreated={(c) => {
            setOpen(false);
            setCredentials(c);
            reload();
          }}
        />
      </Dialog>
      <Dialog title="Outpost agent token" open={credentials !== null} onClose={() => setCredentials(null)} wide>
        {credentials ? <Credentials credentials={credentials} /> : null}
      </Dialog>
    </section>
  );
}

/** Stages on the local agent: all Stages less those on the listed Outposts (every page read); null when a count is not visible (members). */
function localStageCount(outposts: OutpostRow[], projects: { stages: unknown[] }[] | undefined): number | null {
  if (!projects || outposts.some((o) => o.stageCount == null)) return null;
  const all = projects.reduce((n, p) => n + p.stages.length, 0);
  const remote = outposts.reduce((n, o) => n + (o.stageCount ?? 0), 0);
  return all >= remote ? all - remote : null;
}

function LocalOutpostRow({ stageCount }: { stageCount: number | null }) {
  return (
    <tr data-testid="outpost-row-local">
      <td data-label="Name">
        <div>
          <strong>{LOCAL_OUTPOST}</strong> <span className="badge badge-muted">BUILT-IN</span>
          <div className="small muted">
            The agent <code>npm start</code> runs on the API&apos;s host: Stages created without an Outpost run here.
          </div>
        </div>
      </td>
      <td data-label="URI" className="nowrap">
        <span className="muted" title="Stages created without an Outpost URI run here">
          — (default)
        </span>
      </td>
      <td data-label="Region">—</td>
      <td data-label="Status" colSpan={2}>
        <span className="small muted">
          Not tracked: the API keeps no connection state for the local agent. Its Stages&apos; Components show what it last reported.
        </span>
      </td>
      <td data-label="Agent">—</td>
      <td data-label="Stages" title="Stages of every Project that name no Outpost">
        {stageCount ?? "—"}
      </td>
      <td data-label="Actions" title="Built in: nothing to rotate or delete" />
    </tr>
  );
}

function OutpostRowView({
  initial,
  onCredentials,
  onDeleted,
}: {
  initial: OutpostRow;
  onCredentials: (c: OutpostCredentialsView) => void;
  onDeleted: () => void;
}) {
  const [live] = useSubscription(
    { query: DashboardOutpostChangedDocument, variables: { outpost: initial.slug } },
    (_p: OutpostRow | undefined, e) => e.outpostChanged,
  );
  const o = live.data ?? initial;
  const now = useNow(1000);
  const [rotate, doRotate] = useMutation(DashboardRotateOutpostTokenDocument);
  const [del, doDelete] = useMutation(DashboardDeleteOutpostDocument);
  return (
    <tr data-testid={`outpost-row-${o.slug}`}>
      <td data-label="Name">
        <strong>{o.name}</strong>
        {o.description ? <div className="small muted">{o.description}</div> : null}
      </td>
      <td data-label="URI" className="mono">
        {o.uri}
      </td>
      <td data-label="Region">{o.region ?? "—"}</td>
      <td data-label="Status">
        <Badge value={o.status} testId="outpost-status" />{" "}
        <span className="small muted" title={utc(o.statusSince)}>
          {ago(o.statusSince, now)}
        </span>
      </td>
      <td data-label="Last heartbeat" title={utc(o.lastSeenAt)}>
        {ago(o.lastSeenAt, now)}
        {o.latencyMs != null ? <span className="small muted"> · {o.latencyMs} ms</span> : null}
      </td>
      <td data-label="Agent" className="mono">
        {o.agentVersion ?? "—"}
      </td>
      <td data-label="Stages">{o.stageCount}</td>
      <td data-label="Actions">
        <div className="row">
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Rotate token of ${o.name}`}
            disabled={rotate.fetching}
            onClick={async () => {
              if (!window.confirm(`Rotate the token of ${o.name}? Its agent is disconnected until it gets the new one.`)) return;
              const r = await doRotate({ outpost: o.slug });
              if (r.data) onCredentials(r.data.rotateOutpostToken);
            }}
          >
            ROTATE
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            aria-label={`Delete ${o.name}`}
            disabled={del.fetching}
            onClick={async () => {
              if (!window.confirm(`Delete ${o.name}?`)) return;
              const r = await doDelete({ outpost: o.slug });
              if (r.data?.deleteOutpost) onDeleted();
            }}
          >
            DELETE
          </button>
        </div>
        <ErrorNote error={rotate.error ?? del.error} />
      </td>
    </tr>
  );
}

function NewOutpost({ onCreated }: { onCreated: (c: OutpostCredentialsView) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [region, setRegion] = useState("");
  const [labels, setLabels] = useState("");
  const [{ fetching, error }, create] = useMutation(DashboardCreateOutpostDocument);
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await create({
          name: name.trim(),
          description: description.trim() || null,
          region: region.trim() || null,
          labels: parseLabels(labels),
        });
        if (r.data) onCreated(r.data.createOutpost);
      }}
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </label>
      <label className="field">
        <span>Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        <span>Region</span>
        <input value={region} onChange={(e) => setRegion(e.target.value)} placeholder="eu-central" />
      </label>
      <label className="field">
        <span>Labels</span>
        <input className="mono" value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="site=berlin, line=2" />
      </label>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={!name.trim() || fetching}>
          CREATE
        </button>
      </div>
    </form>
  );
}

function Credentials({ credentials }: { credentials: OutpostCredentialsView }) {
  return (
    <div className="stack">
      <p>
        Outpost <strong>{credentials.outpost.name}</strong>: <span className="mono">{credentials.outpost.uri}</span>
      </p>
      <p className="error">The token is shown only this once. Copy it now.</p>
      <CopyField label="Agent token" value={credentials.agentToken} />
      <CopyField label="Agent command" value={credentials.agentCommand} />
    </div>
  );
}
