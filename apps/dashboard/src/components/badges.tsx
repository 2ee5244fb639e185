import type { Health, LinkStatus, ReleaseState, StageState, StageType } from "@/lib/documents";

const tone: Record<string, string> = {
  RUNNING: "ok",
  HEALTHY: "ok",
  DEPLOYED: "ok",
  ONLINE: "ok",
  COMPLETED: "ok",
  READY: "ok",
  DONE: "ok",
  SCHEDULED: "info",
  SUSPENDING: "warn",
  RESUMING: "warn",
  DEGRADED: "warn",
  DEPLOYING: "info",
  PENDING: "info",
  CONNECTING: "warn",
  STARTING: "info",
  STOPPING: "warn",
  SUSPENDED: "muted",
  SUPERSEDED: "muted",
  UNKNOWN: "muted",
  STOPPED: "muted",
  UNHEALTHY: "bad",
  FAILED: "bad",
  OFFLINE: "bad",
  ERROR: "bad",
  CRASHLOOP: "bad",
  PROD: "bad",
  QA: "info",
  DEV: "ok",
  ENABLED: "ok",
  DISABLED: "muted",
  ACTIVE: "ok",
  READ_ONLY: "info",
  READ_WRITE: "muted",
  ADMIN: "warn",
  OWNER: "info",
  MEMBER: "muted",
};

export function Badge({
  value,
  label,
  testId,
}: {
  value: StageState | Health | ReleaseState | LinkStatus | StageType | string;
  label?: string;
  testId?: string;
}) {
  return (
    <span className={`badge badge-${tone[value] ?? "muted"}`} data-testid={testId}>
      <span className="dot" aria-hidden="true" />
      {label ?? value}
    </span>
  );
}
