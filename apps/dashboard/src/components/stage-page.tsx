"use client";
/**
 * A Stage, live. The page is read with the Project's cursor; `stageChanged`, `releaseChanged`
 * and `componentChanged` after it update what they carry at once, and each `events` entry for
 * this Stage refetches the rest (Configurations, drift) — driven by events, never a timer; each
 * Component's output follows `componentLogs`.
 * An event's snapshot wins over the page only when its cursor is newer than the page's.
 */
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useSubscription } from "urql";
import {
  DashboardComponentChangedDocument,
  DashboardReleaseChangedDocument,
  DashboardReleasesPageDocument,
  DashboardStageChangedDocument,
  DashboardStagePageDocument,
  type ComponentRow,
  type ReleaseSummary,
  type StageRow,
} from "@/lib/documents";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";
import { ComponentActions } from "./component-actions";
import { ComponentLogs } from "./component-logs";
import { EventTimeline } from "./event-timeline";
import { OutpostConnectionButton } from "./outpost-connection";
import { ConfigDrift, StageActions } from "./stage-actions";
import { StagePolicyNote } from "./stage-policy-note";
import { ago, newer, utc } from "@/lib/format";
import { useFirst, useNow } from "@/lib/hooks";
import { usePagesAfter } from "@/lib/pages";
import { LoadMore } from "./load-more";
import { StageBackups } from "./stage-backups";
import { StageMonitoring } from "./stage-monitoring";

type Stamped<T> = { cursor: string; value: T };

const TABS = { overview: "Overview", monitoring: "Monitoring", backups: "Backups" } as const;
type Tab = keyof typeof TABS;

export function StagePage({ project, stage: slug }: { project: string; stage: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: DashboardStagePageDocument,
    variables: { project, stage: slug },
    requestPolicy: "network-only",
  });
  const pageCursor = data?.project?.cursor;
  const after = useFirst(pageCursor);
  const pause = after === undefined;
  const now = useNow(5000);

  const [stageLive] = useSubscription(
    { query: DashboardStageChangedDocument, variables: { project, after }, pause },
    (prev: Stamped<StageRow | null> | undefined, e): Stamped<StageRow | null> =>
      e.stageChanged.stage.slug === slug
        ? { cursor: e.stageChanged.cursor, value: e.stageChanged.stage }
        : (prev ?? { cursor: "0", value: null }),
  );
  const [releaseLive] = useSubscription(
    { query: DashboardReleaseChangedDocument, variables: { project, stage: slug, after }, pause },
    (prev: { stage?: Stamped<StageRow>; releases: Record<string, Stamped<ReleaseSummary>> } = { releases: {} }, e) => ({
      stage: { cursor: e.releaseChanged.cursor, value: e.releaseChanged.stage },
      releases: { ...prev.releases, [e.releaseChanged.release.id]: { cursor: e.releaseChanged.cursor, value: e.releaseChanged.release } },
    }),
  );
  const [componentLive] = useSubscription(
    { query: DashboardComponentChangedDocument, variables: { project, stage: slug, after }, pause },
    (prev: Record<string, Stamped<ComponentRow>> = {}, e) => ({
      ...prev,
      [e.componentChanged.component.name]: { cursor: e.componentChanged.cursor, value: e.componentChanged.component },
    }),
  );

  // Whatever the events do not carry (Configurations, drift): read again after them, at most every 300 ms.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Moves on every event of this Stage: the Monitoring tab reads again.
  const [version, setVersion] = useState(0);
  const [tab, setTab] = useState<Tab>("overview");
  const refresh = useMemo(
    () => () => {
      setVersion((v) => v + 1);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        refetch({ requestPolicy: "network-only" });
      }, 300);
    },
    [refetch],
  );
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const stage = useMemo(() => {
    if (!data?.stage) return null;
    let current: StageRow & Partial<typeof data.stage> = data.stage;
    for (const s of [stageLive.data, releaseLive.data?.stage]
      .filter((x): x is Stamped<StageRow> => !!x?.value)
      .sort((a, b) => (newer(a.cursor, b.cursor) ? 1 : -1))) {
      if (newer(s.cursor, pageCursor)) current = { ...current, ...s.value };
    }
    return { ...data.stage, ...current };
  }, [data, stageLive.data, releaseLive.data, pageCursor]);

  const components = useMemo(() => {
    const byName = new Map((data?.stage?.components ?? []).map((c) => [c.name, c]));
    for (const c of Object.values(componentLive.data ?? {})) {
      if (!newer(c.cursor, pageCursor)) continue;
      byName.set(c.value.name, c.value);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [data, componentLive.data, pageCursor]);

  // The newest 20 come with the page; older ones a page at a time below the history.
  const older = usePagesAfter(
    DashboardReleasesPageDocument,
    { project, stage: slug },
    data?.releasesConnection.pageInfo,
    (d) => d.releasesConnection,
  );
  const releases = useMemo(() => {
    const byId = new Map([...(data?.releasesConnection.edges.map((e) => e.node) ?? []), ...older.nodes].map((r) => [r.id, r]));
    for (const r of Object.values(releaseLive.data?.releases ?? {})) if (newer(r.cursor, pageCursor)) byId.set(r.value.id, r.value);
    return [...byId.values()].sort((a, b) => b.number - a.number);
  }, [data, older.nodes, releaseLive.data, pageCursor]);

  if (data && !data.stage)
    return (
      <p role="alert" className="error">
        No Stage “{slug}” in Project “{project}”.
      </p>
    );
  if (!stage || !data?.project)
    return (
      <>
        {fetching ? <p className="muted">Loading…</p> : null}
        <ErrorNote error={error} />
      </>
    );
  const current = releases.find((r) => r.id === stage.currentRelease?.id) ?? stage.currentRelease;
  // The API refuses Component commands then (STATE_CONFLICT); the buttons say why instead.
  const controlBlocked =
    stage.state !== "RUNNING"
      ? `The Stage is ${stage.state}`
      : current && current.state !== "DEPLOYED"
        ? `Release #${current.number} is ${current.state}`
        : null;

  return (
    <section aria-labelledby="stage-title">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${project}`}>{data.project.name}</Link> / <span>{stage.name}</span>
      </nav>
      <div className="page-head">
        <div className="stage-head">
          <h1 id="stage-title">{stage.name}</h1>
          <span className="mono muted">{stage.slug}</span>
          <Badge value={stage.type} />
          {stage.isOutpost ? <OutpostConnectionButton project={project} stage={stage.slug} status={stage.outpost?.status} /> : null}
        </div>
        <StageActions project={project} stage={stage} stages={data.project.stages} builds={data.builds} releases={releases} />
      </div>
      <ErrorNote error={error ?? stageLive.error ?? releaseLive.error ?? componentLive.error} />
      <div className="summary">
        <div className="card">
          <span className="label">State</span>
          <Badge value={stage.state} testId="stage-state" />
        </div>
        <div className="card">
          <span className="label">Health</span>
          <Badge value={stage.health} testId="stage-health" />
        </div>
        <div className="card">
          <span className="label">Current Release</span>
          {current ? (
            <span data-testid="current-release">
              <span className="mono">
                #{current.number} {current.build.name}
              </span>{" "}
              <Badge value={current.state} />
            </span>
          ) : (
            <span className="muted">None yet</span>
          )}
          {current?.message ? <span className="small muted">{current.message}</span> : null}
          <RolloutNote current={current} live={stage.liveRelease} newest={releases[0]} />
        </div>
        <div className="card">
          <span className="label">Configuration</span>
          {current?.config ? (
            <span className="mono">
              {current.config.name} v{current.configVersion}
            </span>
          ) : (
            <span className="muted">—</span>
          )}
        </div>
      </div>
      {stage.configDrift ? <ConfigDrift project={project} stage={stage} /> : null}
      <StagePolicyNote policy={stage.policy} />
      <div className="tabs" role="tablist" aria-label="Stage views">
        {(Object.keys(TABS) as Tab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            className={tab === t ? "active" : ""}
            onClick={() => setTab(t)}
          >
            {TABS[t]}
          </button>
        ))}
      </div>
      <div className="layout">
        {tab === "monitoring" ? (
          <div role="tabpanel" id="panel-monitoring" aria-labelledby="tab-monitoring">
            <StageMonitoring project={project} stage={slug} version={version} />
          </div>
        ) : tab === "backups" ? (
          <div role="tabpanel" id="panel-backups" aria-labelledby="tab-backups">
            <StageBackups project={project} stage={slug} state={stage.state} retention={stage.backupRetention} version={version} />
          </div>
        ) : (
          <div role="tabpanel" id="panel-overview" aria-labelledby="tab-overview">
            <section className="panel" aria-labelledby="components-title">
              <div className="panel-head">
                <h2 id="components-title">Components</h2>
              </div>
              {components.length === 0 ? (
                <p className="muted">No Components: deploy a Release to run some.</p>
              ) : (
                <ul className="components list">
                  {components.map((c) => (
                    <li key={c.name} className="component" data-testid={`component-${c.name}`}>
                      <div className="component-head">
                        <strong className="mono">{c.name}</strong>
                        <span className="muted small">{c.kind}</span>
                        <Badge value={c.state} />
                        <Badge
                          value={c.health}
                          label={c.health === "UNKNOWN" && c.lastKnownHealth ? `UNKNOWN (was ${c.lastKnownHealth})` : c.health}
                        />
                        <span className="muted small">
                          {c.restarts} {c.restarts === 1 ? "restart" : "restarts"}
                        </span>
                        {c.observedAt ? (
                          <span className="muted small" title={utc(c.observedAt)}>
                            seen {ago(c.observedAt, now)}
                          </span>
                        ) : null}
                        <ComponentActions project={project} stage={slug} component={c} blocked={controlBlocked} />
                      </div>
                      {c.message ? <p className="small muted">{c.message}</p> : null}
                      {c.links.length ? (
                        <div className="links">
                          {c.links.map((l) => (
                            <a key={l} href={l} target="_blank" rel="noreferrer">
                              {l}
                            </a>
                          ))}
                        </div>
                      ) : null}
                      <ComponentLogs project={project} stage={slug} component={c.name} />
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section className="panel" aria-labelledby="releases-title">
              <div className="panel-head">
                <h2 id="releases-title">Release history</h2>
              </div>
              {releases.length === 0 ? (
                <p className="muted">No Releases yet.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table" data-testid="release-history">
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">Build</th>
                        <th scope="col">Config</th>
                        <th scope="col">Released</th>
                        <th scope="col">By</th>
                        <th scope="col">Status</th>
                      </tr>
                    </thead>
                    <tbody>
                      {releases.map((r) => (
                        <tr key={r.id} data-testid={`release-${r.number}`}>
                          <td data-label="#" className="mono">
                            {r.number}
                          </td>
                          <td data-label="Build" className="mono">
                            {r.build.name}
                          </td>
                          <td data-label="Config" className="mono">
                            {r.config ? `${r.config.name} v${r.configVersion}` : "—"}
                          </td>
                          <td data-label="Released" title={utc(r.createdAt)}>
                            {ago(r.createdAt, now)}
                          </td>
                          <td data-label="By">{r.author.name}</td>
                          <td data-label="Status">
                            <Badge value={r.state} />
                            {r.message ? <span className="small muted"> {r.message}</span> : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <LoadMore list={older} noun="Releases" />
            </section>
          </div>
        )}
        <EventTimeline project={project} stage={slug} cursor={after} onEvent={refresh} />
      </div>
    </section>
  );
}

/**
 * What a rollout means for the people watching: the DEPLOYED Release serves until the new one
 * is DEPLOYED, and goes on when the new one fails.
 */
function RolloutNote({
  current,
  live,
  newest,
}: {
  current: { id: string; number: number; state: string } | null | undefined;
  live: { id: string; number: number } | null | undefined;
  newest: { id: string; number: number; state: string; message?: string | null } | undefined;
}) {
  if (newest && newest.state === "FAILED" && live && newest.id !== live.id) {
    return (
      <span className="small error" data-testid="rollout-note">
        #{newest.number} failed{newest.message ? `: ${newest.message}` : ""}. #{live.number} goes on serving.
      </span>
    );
  }
  if (current && live && current.id !== live.id && (current.state === "PENDING" || current.state === "DEPLOYING")) {
    return (
      <span className="small muted" data-testid="rollout-note">
        #{live.number} serves until #{current.number} is deployed.
      </span>
    );
  }
  return null;
}
