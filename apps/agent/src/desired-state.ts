/**
 * The agent protocol's messages (PROTOCOL.md): the desired state the API sends, and the status
 * report the agent sends back. The zod schema checks what arrives over the wire; a message that
 * fails it is "a message it cannot apply", and the connection resubscribes for a full state.
 */
import { z } from "zod";
import type { ComponentHealth, ComponentKind, ComponentState } from "@pergola/runtime";

const stringMap = z.record(z.string(), z.string());

const releaseSchema = z.object({
  id: z.string().min(1),
  /** The Build's pergola.yaml as JSON; checked later with validateManifest, so a bad one fails the Release. */
  manifest: z.unknown(),
  /** SHA-256 of the application's tar.gz. */
  artifact: z.string().min(1),
  config: z.object({ env: stringMap.nullish(), files: stringMap.nullish() }).transform((c) => ({
    env: c.env ?? {},
    files: c.files ?? {},
  })),
});

const stageSchema = z.object({
  stageId: z.string().min(1),
  /** `<project>/<stage>`: the runtime's stageKey. */
  key: z.string().min(1),
  generation: z.coerce.number().int().min(0),
  suspended: z.boolean(),
  graceSeconds: z.coerce.number().min(0),
  release: releaseSchema.nullable(),
});

export const desiredStateSchema = z.object({
  full: z.boolean(),
  stages: z.array(stageSchema),
  removed: z.array(z.string()).nullish().transform((r) => r ?? []),
});

export type DesiredRelease = z.infer<typeof releaseSchema>;
export type DesiredStage = z.infer<typeof stageSchema>;
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** PROTOCOL.md's subscription, word for word. */
export const DESIRED_STATE_SUBSCRIPTION = `subscription { desiredState { full stages { stageId key generation suspended graceSeconds
  release { id manifest artifact config { env files } } } removed } }`;

/** PROTOCOL.md's mutation, word for word. */
export const REPORT_STATUS_MUTATION = `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`;

/** One Component in a report: the runtime's ComponentStatus, limited to the fields StatusReportInput has. */
export interface ReportedComponent {
  name: string;
  kind: ComponentKind;
  state: ComponentState;
  health: ComponentHealth;
  /** ISO 8601, or null before the first observation. */
  observedAt: string | null;
  restarts: number;
  /** The Component's address; empty when nothing was started (a failed apply). */
  host: string;
  message: string | null;
  /** Output lines since the last accepted report. */
  logs?: string[];
}

/** `StatusReportInput`. */
export interface StatusReport {
  stageId: string;
  /** null: the Stage has no Release to run; the report acknowledges `observedGeneration` only. */
  releaseId: string | null;
  /** The generation the report describes: the one applied, or the one whose apply failed. */
  observedGeneration: number;
  components: ReportedComponent[];
}

export interface ReportResult {
  accepted: boolean;
  reason?: string | null;
}
