/**
 * Components as the agent reports them.
 */
export const COMPONENT_KINDS = ["SERVICE", "JOB", "CRON"] as const;
export const COMPONENT_STATES = ["PENDING", "STARTING", "RUNNING", "SCHEDULED", "COMPLETED", "STOPPING", "STOPPED", "SUSPENDED", "FAILED", "CRASHLOOP"] as const;
export const COMPONENT_HEALTHS = ["HEALTHY", "UNHEALTHY", "UNKNOWN"] as const;

/** States in which a Component still holds on to something: a Stage is not suspended while one is. */
const ACTIVE_COMPONENT_STATES: ReadonlySet<string> = new Set(["PENDING", "STARTING", "RUNNING", "STOPPING", "CRASHLOOP"]);

export interface ObservedComponent {
  name: string;
  kind: string;
  state: string;
  health: string;
  observedAt?: Date | null;
  restarts: number;
  host?: string | null;
  message?: string | null;
  /** Lines of output written since the agent's last accepted report (the newest ones, when many). */
  logs?: string[] | null;
}

export function isActiveComponent(state: string): boolean {
  return ACTIVE_COMPONENT_STATES.has(state);
}
