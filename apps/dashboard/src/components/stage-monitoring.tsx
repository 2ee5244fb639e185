"use client";
/**
 * The Stage's Monitoring tab: its health over the chosen window as a band (from
 * `healthHistory`), its Releases' ends as markers (`deployMarkers`), and each Component's
 * restarts. Read again whenever an event of this Stage arrives (`version` moves): live, driven
 * by events, never a timer — apart from the clock that slides the window.
 */
import { useEffect, useState } from "react";
import { useQuery } from "urql";
import { DashboardStageMonitoringDocument, type Health } from "@/lib/documents";
import { utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";
import { Badge } from "./badges";
import { ErrorNote } from "./errors";

const WINDOWS = [
  { label: "1 h", ms: 3_600_000 },
  { label: "6 h", ms: 6 * 3_600_000 },
  { label: "24 h", ms: 24 * 3_600_000 },
] as const;

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
    variables: { project, stage, since },
    requestPolicy: "network-only",
  });
  useEffect(() => {
    if (version > 0) reexecute({ requestPolicy: "network-only" });
  }, [version, reexecute]);
  const s = data?.stage;
  const start = now - range.ms;
  const span = now - start;
  const x = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const segments = s ? healthSegments(s.healthHistory, s.health, start, now) : [];
  const markers = (s?.deployMarkers ?? []).filter((m) => Date.parse(m.at) >= start);

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
