/**
 * The agent protocol's messages (PROTOCOL.md): the desired state the API sends, and the status
 * report the agent sends back. Their types are generated from the schema (the documents are in
 * packages/schema/src/documents/agent.graphql). The zod schema checks what arrives over the
 * wire, and its output must fit the generated type, so a schema change that breaks the agent
 * fails the typecheck; a message that fails it is "a message it cannot apply", and the
 * connection resubscribes for a full state.
 */
import { z } from "zod";
import type {
  AgentDesiredStateSubscription,
  AgentReportStatusMutation,
  AgentReportBackupMutation,
  AgentReportUsageMutation,
  BackupReportInput,
  ComponentReportInput,
  StatusReportInput,
  UsageSampleInput,
} from "@pergola/schema/generated";

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
  /** What people asked of its Components (stopComponent, restartComponent, runJob…); an older API sends none. */
  controls: z
    .array(
      z.object({
        name: z.string().min(1),
        stopped: z.boolean(),
        restarts: z.coerce.number().int().min(0),
        runs: z.coerce.number().int().min(0),
      }),
    )
    .nullish()
    .transform((c) => c ?? []),
});

const stageSchema = z.object({
  stageId: z.string().min(1),
  /** `<project>/<stage>`: the runtime's stageKey. */
  key: z.string().min(1),
  generation: z.coerce.number().int().min(0),
  suspended: z.boolean(),
  graceSeconds: z.coerce.number().min(0),
  /** The Stage type's nice level; an API from before Stage policies sends none: 0. */
  nice: z.coerce
    .number()
    .int()
    .min(-20)
    .max(19)
    .nullish()
    .transform((n) => n ?? 0),
  release: releaseSchema.nullable(),
  /** PENDING backups to take (backups.ts); absent from an older API: none. */
  backups: z
    .array(z.object({ id: z.string().min(1), storages: z.array(z.string().min(1)) }))
    .nullish()
    .transform((b) => b ?? []),
  /** A restore to do while the Stage is suspended. */
  restore: z
    .object({ backup: z.string().min(1), storages: z.array(z.object({ name: z.string().min(1), sha256: z.string() })) })
    .nullish()
    .transform((r) => r ?? null),
});

/** A purged Stage whose storage to remove (purges.ts checks it before it becomes a path). */
const purgedSchema = z.object({ stageId: z.string().min(1), key: z.string().min(1) });

export const desiredStateSchema = z.object({
  full: z.boolean(),
  stages: z.array(stageSchema),
  removed: z
    .array(z.string())
    .nullish()
    .transform((r) => r ?? []),
  /** Absent from an older API: none. */
  purged: z
    .array(purgedSchema)
    .nullish()
    .transform((p) => p ?? []),
}) satisfies z.ZodType<AgentDesiredStateSubscription["desiredState"]>;

export type DesiredRelease = z.infer<typeof releaseSchema>;
export type DesiredStage = z.infer<typeof stageSchema>;
export type DesiredState = z.infer<typeof desiredStateSchema>;
export type PurgedStage = z.infer<typeof purgedSchema>;

/** `StatusReportInput`: `releaseId` null when the Stage has no Release to run (the report acknowledges `observedGeneration` only). */
export type StatusReport = StatusReportInput;

/** One Component in a report (`ComponentReportInput`): the runtime's ComponentStatus, limited to the fields the input has. */
export type ReportedComponent = ComponentReportInput;

export type ReportResult = AgentReportStatusMutation["reportStatus"];

/** One usage sample (`UsageSampleInput`): a Component's process tree, as usage-sampler.ts read it from /proc. */
export type UsageSample = UsageSampleInput;

export type UsageReportResult = AgentReportUsageMutation["reportUsage"];

/** An agent's word on a backup or a restore (`reportBackup`). */
export type BackupReport = BackupReportInput;

export type BackupReportResult = AgentReportBackupMutation["reportBackup"];
