"use client";
/**
 * A Component's last output lines, live (`componentLogs`): output changes no state, so no other
 * event brings it. Lines of a new Release replace the old ones; at most `tail` are shown.
 */
import { useSubscription } from "urql";
import { DashboardComponentLogsDocument } from "@/lib/documents";

type Shown = { releaseId: string; lines: string[] };

export function ComponentLogs({
  project,
  stage,
  component,
  tail = 5,
}: {
  project: string;
  stage: string;
  component: string;
  tail?: number;
}) {
  const [live] = useSubscription(
    { query: DashboardComponentLogsDocument, variables: { project, stage, component, tail } },
    (prev: Shown | undefined, { componentLogs: batch }): Shown => {
      const kept = prev && prev.releaseId === batch.releaseId ? prev.lines : [];
      return { releaseId: batch.releaseId, lines: [...kept, ...batch.lines].slice(-tail) };
    },
  );
  const lines = live.data?.lines ?? [];
  if (lines.length === 0) return null;
  return (
    <pre className="logs" role="log" aria-label={`Last log lines of ${component}`}>
      {lines.join("\n")}
    </pre>
  );
}
