/** Human views shared by several commands. */
import { LOCAL_OUTPOST } from "@pergola/schema";
import type { CliHealthChangedSubscription, OutpostRow, ReleaseRow, StageRow } from "./documents.js";
import { ago, lower, renderFacts, renderTable, type Cell } from "./output.js";

/** The seed's table: `stages (P)`, columns stage, type, state, health, release (+ outpost, connection). */
export function renderStages(project: string, stages: StageRow[]): string {
  const outposts = stages.some((s) => s.isOutpost);
  const columns = ["stage", "type", "state", "health", "release", ...(outposts ? ["outpost", "connection"] : [])];
  const rows = stages.map((s) => [
    s.slug,
    lower(s.type),
    lower(s.state),
    lower(s.health),
    s.currentRelease ? `${s.currentRelease.build.name} (${lower(s.currentRelease.state)})` : "-",
    ...(outposts ? [s.outpost?.outpost.slug ?? LOCAL_OUTPOST, s.outpost ? lower(s.outpost.status) : "-"] : []),
  ]);
  return renderTable(columns, rows, `stages (${project})`);
}

export function renderStage(s: StageRow): string {
  return renderFacts([
    ["stage", s.slug],
    ["name", s.name],
    ["type", lower(s.type)],
    ["state", lower(s.state)],
    ["health", lower(s.health)],
    ["release", s.currentRelease ? `${s.currentRelease.build.name} (${lower(s.currentRelease.state)})` : null],
    ["grace", `${s.suspendGraceSeconds}s`],
    ["backups kept", String(s.backupRetention)],
    ...(s.outpost ? ([["outpost", `${s.outpost.outpost.uri} (${lower(s.outpost.status)})`]] as [string, Cell][]) : []),
  ]);
}

/** Pergola's release table: build, config, released, status. */
export function renderReleases(project: string, stage: string, releases: ReleaseRow[]): string {
  return renderTable(
    ["build", "config", "released", "status"],
    releases.map((r) => [
      r.build.name,
      r.config ? `${r.config.name} v${r.configVersion ?? r.config.version}` : "-",
      `${ago(r.createdAt)} by ${r.author.name}`,
      `${lower(r.state)}${r.message && (r.state === "FAILED" || r.state === "PENDING") ? `: ${r.message}` : ""}`,
    ]),
    `releases (${project}/${stage})`,
  );
}

export function renderRelease(r: ReleaseRow): string {
  return `release #${r.number} of ${r.build.name}${r.config ? ` with config ${r.config.name} v${r.configVersion ?? r.config.version}` : ""}: ${lower(r.state)}${r.message ? ` (${r.message})` : ""}`;
}

export function renderOutposts(outposts: OutpostRow[]): string {
  return renderTable(
    ["outpost", "uri", "status", "region", "stages", "agent", "last seen"],
    outposts.map((o) => [o.slug, o.uri, lower(o.status), o.region, o.stageCount, o.agentVersion, ago(o.lastSeenAt)]),
    "outposts",
  );
}

export function renderOutpost(o: OutpostRow): string {
  return renderFacts([
    ["outpost", o.slug],
    ["uri", o.uri],
    ["name", o.name],
    ["description", o.description],
    ["region", o.region],
    ["labels", formatLabels(o.labelEntries)],
    ["status", `${lower(o.status)} since ${ago(o.statusSince)}`],
    ["agent", o.agentVersion],
    ["public url", o.publicUrl],
    ["last seen", ago(o.lastSeenAt)],
    ["latency", o.latencyMs === null ? null : `${o.latencyMs} ms`],
    ["heartbeat", `every ${o.heartbeatIntervalSeconds}s, offline after ${o.offlineAfterSeconds}s`],
    ["stages", o.stageCount],
  ]);
}

/** `site=berlin, line=2`; nothing for an Outpost without labels (or a caller who may not see them). */
export function formatLabels(labels: { key: string; value: string }[] | null): string | null {
  return labels?.length ? labels.map(({ key, value }) => `${key}=${value}`).join(", ") : null;
}

export type FleetStage = CliHealthChangedSubscription["healthChanged"]["stages"][number];

/** `pergola watch health`: every Stage with its health, since when, and its Outpost link. */
export function renderFleetHealth(stages: FleetStage[]): string {
  const unwell = stages.filter((s) => s.health === "UNHEALTHY" || s.health === "DEGRADED").length;
  const rows = stages.map((s) => [
    s.project,
    s.stage,
    lower(s.type),
    lower(s.state),
    lower(s.health),
    ago(s.healthSince),
    s.outpost ?? LOCAL_OUTPOST,
    s.link ? lower(s.link) : "-",
  ]);
  return renderTable(
    ["project", "stage", "type", "state", "health", "since", "outpost", "link"],
    rows,
    `health (${stages.length} Stages, ${unwell} unhealthy or degraded)`,
  );
}
