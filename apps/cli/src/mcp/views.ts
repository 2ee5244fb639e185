/** The tools' short texts: one line per object, for the assistant to read beside the typed result. */
import type { ReleaseResult, StageResult } from "./schemas.js";

export function lines(head: string, rows: string[]): string {
  return [head, ...rows.map((r) => `- ${r}`)].join("\n");
}

export function describeStage(s: StageResult): string {
  const release = (r: StageResult["currentRelease"]) => (r ? `#${r.number} of ${r.build.name} (${r.state})` : "none");
  const serving = s.liveRelease && s.liveRelease.number !== s.currentRelease?.number ? `, serving ${release(s.liveRelease)}` : "";
  const outpost = s.outpost ? `, on Outpost ${s.outpost.outpost.slug} (${s.outpost.status})` : "";
  return `${s.slug} [${s.type}]: ${s.state}, ${s.health}, release ${release(s.currentRelease)}${serving}${outpost}`;
}

export function describeRelease(r: ReleaseResult): string {
  return `#${r.number} of ${r.build.name}: ${r.state}${r.message ? ` (${r.message})` : ""}, by ${r.author.name} at ${r.createdAt}`;
}
