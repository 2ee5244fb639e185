"use client";
/**
 * The Stage's Monitoring tab: its health over the chosen window as a band (from
 * `healthHistory`), its Releases' ends as markers (`deployMarkers`), CPU and memory per
 * Component as charts (`metrics`, then the live `componentMetrics` samples), and each
 * Component's restarts and current usage. Read again whenever an event of this Stage arrives (`version` moves): live, driven
 * by events, never a timer — apart from the clock that slides the window.
 */
import { useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { DashboardComponentMetricsDocument, DashboardStageMonitoringDocument, type Health } from "@/lib/documents";
import { type ChartSeries, UsageChart } from "./usage-chart";
import { utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";

/** Each window with the step of its charts' points (at most a few hundred points). */
const WINDOWS = [
  { label: "1 h", ms: 3_600_000, step: 10 },
  { label: "6 h", ms: 6 * 3_600_000, step: 60 },
  { label: "24 h", ms: 24 * 3_600_000, step: 300 },
] as const;

type Sample = { component: string; at: number; cpu: number; memoryBytes: number; openFiles: number };

/** Cores as a percentage of one, bytes in binary units. */
export const formatCores = (cores: number) => `${(cores * 100).toFixed(cores < 0.1 ? 1 : 0)} %`;
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

export interface Segment {
  from: number;
  to: number;
  health: Health;
}

/**
 * The band's segments over [start, end]: the health before the first change is what that change
 * moved from (or, with no change in the window, the health now).
 */
export function healthSegments(
  changes: { at: string; health: Health; previousHealth: Health }[],
  now: Health,
  start: number,
  end: number,
): Segment[] {
  const segments: Segment[] = [];
  let from = start;
  let health: Health = changes[0]?.previousHealth ?? now;
  for (const change of changes) {
    const at = Math.min(Math.max(Date.parse(change.at), start), end);
    if (at > from) segments.push({ from, to: at, health });
    from = at;
    health = change.health;
  }
  if (end > from) segments.push({ from, to: end, health });
  return segments;
}

export function StageMonitoring({ project, stage, version }: { project: string; stage: string; version: number }) {
  const [range, setRange] = useState<(typeof WINDOWS)[number]>(WINDOWS[0]);
  const now = useNow(30_000);
  // The window's start moves with the clock; the query's `since` with the window chosen (it reads a little more as time passes).
  const [since, setSince] = useState(() => new Date(Date.now() - range.ms).toISOString());
  useEffect(() => setSince(new Date(Date.now() - range.ms).toISOString()), [range]);
  const [{ data, error }, reexecute] = useQuery({
    query: DashboardStageMonitoringDocument,
    variables: { project, stage, since, step: range.step },
    requestPolicy: "network-only",
  });
  // Samples as the agent ships them (every 10 s), appended to the charts.
  const [live] = useSubscription({ query: DashboardComponentMetricsDocument, variables: { project, stage } }, (prev: Sample[] = [], e) => [
    ...prev.slice(-2000),
    ...e.componentMetrics.samples.map((s) => ({
      component: s.component,
      at: Date.parse(s.usage.at) / 1000,
      cpu: s.usage.cpu,
      memoryBytes: Number(s.usage.memoryBytes),
      openFiles: s.usage.openFiles,
    })),
  ]);
  useEffect(() => {
    if (version > 0) reexecute({ requestPolicy: "network-only" });
  }, [version, reexecute]);
  const s = data?.stage;
  const start = now - range.ms;
  const span = now - start;
  const x = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const segments = s ? healthSegments(s.healthHistory, s.health, start, now) : [];
  const deployMarkers = s?.deployMarkers;
  const markers = (deployMarkers ?? []).filter((m) => Date.parse(m.at) >= start);
  // Made again only when the query's markers change: the charts redraw on a new array (and
  // leave out the marks beyond their range themselves), not on every tick of the clock.
  const chartMarkers = useMemo(
    () => (deployMarkers ?? []).map((m) => ({ at: Date.parse(m.at) / 1000, label: `#${m.number}`, failed: m.state === "FAILED" })),
    [deployMarkers],
  );
  const shown: [number, number] = [start / 1000, now / 1000];
  // Each Component's newest sample: the live one when it is newer than what the query read.
  const latest = useMemo(() => {
    const newest = new Map<string, { cpu: number; memoryBytes: number; openFiles: number | null; at: number }>();
    for (const c of s?.components ?? [])
      if (c.usage) newest.set(c.name, { cpu: c.usage.cpu, memoryBytes: Number(c.usage.memoryBytes), openFiles: c.usage.openFiles, at: 0 });
    for (const sample of live.data ?? []) {
      const known = newest.get(sample.component);
      if (!known || sample.at >= known.at) newest.set(sample.component, { ...sample, openFiles: sample.openFiles });
    }
    return newest;
  }, [s, live.data]);
  const [cpu, memory] = useMemo(() => {
    const components = s?.components ?? [];
    const series = (pick: (p: { cpu: number; memoryBytes: number }) => number): ChartSeries[] =>
      components.map((c) => {
        const points: [number, number][] = c.metrics.map((p) => [
          Date.parse(p.at) / 1000,
          pick({ cpu: p.cpu, memoryBytes: Number(p.memoryBytes) }),
        ]);
        const last = points.at(-1)?.[0] ?? 0;
        // Live samples after the last point read, at the window's finest step only (others would mix resolutions).
        if (range.step === 10)
          for (const sample of live.data ?? []) if (sample.component === c.name && sample.at > last) points.push([sample.at, pick(sample)]);
        return { name: c.name, points };
      });
    return [series((p) => p.cpu), series((p) => p.memoryBytes)];
  }, [s, live.data, range.step]);

  return (
    <section className="panel" aria-labelledby="monitoring-title" data-testid="monitoring">
      <div className="panel-head">
        <h2 id="monitoring-title">Monitoring</h2>
        <fieldset className="segmented" aria-label="Window">
          {WINDOWS.map((w) => (
            <button
              key={w.label}
              type="button"
              aria-pressed={w === range}
              className={w === range ? "active" : ""}
              onClick={() => setRange(w)}
            >
              {w.label}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorNote error={error} />
      <h3 className="small muted">Health</h3>
      <div className="health-band" role="img" aria-label={`Health over the last ${range.label}`} data-testid="health-band">
        {segments.map((seg) => (
          <span
            key={`${seg.from}-${seg.health}`}
            className={`health-seg health-${seg.health.toLowerCase()}`}
            style={{ left: x(seg.from), width: `${(((seg.to - seg.from) / span) * 100).toFixed(3)}%` }}
            title={`${seg.health} from ${utc(new Date(seg.from).toISOString())}`}
            data-health={seg.health}
          />
        ))}
        {markers.map((m) => (
          <span
            key={`${m.number}-${m.state}`}
            className={`deploy-marker ${m.state === "FAILED" ? "failed" : ""}`}
            style={{ left: x(Date.parse(m.at)) }}
            title={`#${m.number} ${m.state} at ${utc(m.at)}${m.message ? `: ${m.message}` : ""}`}
            data-testid={`deploy-marker-${m.number}`}
          >
            #{m.number}
          </span>
        ))}
      </div>
      <div className="band-axis small muted">
        <span>{range.label} ago</span>
        <span>now</span>
      </div>
      <UsageChart
        title="CPU (100 % = one core)"
        series={cpu}
        markers={chartMarkers}
        format={formatCores}
        testId="cpu-chart"
        window={shown}
      />
      <UsageChart
        title="Memory (resident)"
        series={memory}
        markers={chartMarkers}
        format={formatBytes}
        testId="memory-chart"
        window={shown}
      />
      <h3 className="small muted">Components</h3>
      {s && s.components.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="monitoring-components">
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col">Restarts</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Open files</th>
              </tr>
            </thead>
            <tbody>
              {s.components.map((c) => (
                <tr key={c.name} data-testid={`monitoring-${c.name}`}>
                  <td data-label="Component" className="mono">
                    {c.name} <span className="muted small">{c.kind}</span>
                  </td>
                  <td data-label="State">
                    <Badge value={c.state} />
                  </td>
                  <td data-label="Health">
                    <Badge value={c.health} />
                  </td>
                  <td data-label="Restarts" className="mono">
                    {c.restarts}
                  </td>
                  <td data-label="CPU" className="mono" data-testid={`cpu-${c.name}`}>
                    {latest.get(c.name) ? formatCores(latest.get(c.name)!.cpu) : "—"}
                  </td>
                  <td data-label="Memory" className="mono" data-testid={`memory-${c.name}`}>
                    {latest.get(c.name) ? formatBytes(latest.get(c.name)!.memoryBytes) : "—"}
                  </td>
                  <td data-label="Open files" className="mono">
                    {latest.get(c.name)?.openFiles ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No Components: deploy a Release to run some.</p>
      )}
    </section>
  );
}
