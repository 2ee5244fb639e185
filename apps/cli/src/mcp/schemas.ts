/**
 * The tools' input fields and typed results. Each result schema is what the tool's document
 * asks for (packages/schema/src/documents/mcp.graphql): `satisfies z.ZodType<Fragment>` keeps
 * the schema within the generated type, and the tools hand the API's objects to it as they are,
 * which keeps the generated type within the schema — a schema change that breaks either fails
 * the typecheck. The SDK turns these into the JSON Schemas `tools/list` shows.
 */
import {
  BACKUP_STATES,
  BUILD_STATUSES,
  COMPONENT_KINDS,
  COMPONENT_STATES,
  HEALTHS,
  OUTPOST_LINK_STATUSES,
  RELEASE_STATES,
  RESTORE_STATES,
  STAGE_STATES,
  STAGE_TYPES,
} from "@pergola/schema";
import { z } from "zod";
import type {
  McpBackupFragment,
  McpBuildFragment,
  McpComponentFragment,
  McpFleetHealthSubscription,
  McpReleaseFragment,
  McpStageFragment,
} from "../documents.js";

// Input fields, shared by the tools that take them.

export const projectInput = z.string().min(1).describe("The Project's slug, as list_projects shows it");
export const stageInput = z.string().min(1).describe("The Stage ID (its slug), as list_stages shows it");
export const confirmInput = z
  .boolean()
  .optional()
  .describe(
    "Must be true when the Stage is a PROD Stage, and only after the user has confirmed this very change; without it a PROD Stage is left alone",
  );
/** At most 50 s: MCP clients commonly give up on a request after 60 s (the SDK's default). */
export const WAIT_MAX_SECONDS = 50;
export const waitInput = z
  .number()
  .int()
  .min(0)
  .max(WAIT_MAX_SECONDS)
  .default(0)
  .describe(
    `Seconds to wait for the change to finish (0-${WAIT_MAX_SECONDS}; 0: answer at once, with the state it starts in). To follow it longer, call get_stage or list_releases`,
  );
export const afterInput = z.string().min(1).optional().describe("The nextCursor of the previous page, for the page after it");
export const firstInput = (fallback: number) =>
  z.number().int().min(1).max(100).default(fallback).describe(`How many to return (1-100, default ${fallback})`);

// Results.

const releaseSummary = z.object({
  number: z.number().int().describe("Its number within its Stage"),
  state: z.enum(RELEASE_STATES),
  build: z.object({ name: z.string() }),
});

export const stageSchema = z
  .object({
    slug: z.string().describe("The Stage ID"),
    name: z.string(),
    type: z.enum(STAGE_TYPES).describe("DEV, QA or PROD; changes to PROD Stages need confirm: true"),
    state: z.enum(STAGE_STATES),
    health: z.enum(HEALTHS),
    suspendGraceSeconds: z.number().int(),
    configDrift: z.boolean().describe("The Configuration changed after the current Release: the change waits for the next Release"),
    isOutpost: z.boolean().describe("Runs on a remote Outpost (false: the built-in local one)"),
    outpost: z.object({ status: z.enum(OUTPOST_LINK_STATUSES), inSync: z.boolean(), outpost: z.object({ slug: z.string() }) }).nullable(),
    currentRelease: releaseSummary.nullable().describe("The Release on its way, else the one serving"),
    liveRelease: releaseSummary.nullable().describe("The DEPLOYED Release, serving the Stage's links"),
  })
  .describe("A Stage") satisfies z.ZodType<McpStageFragment>;

export const releaseSchema = z
  .object({
    id: z.string(),
    number: z.number().int().describe("Its number within its Stage"),
    state: z.enum(RELEASE_STATES).describe("PENDING → DEPLOYING → DEPLOYED, or FAILED, or SUPERSEDED"),
    message: z.string().nullable().describe("Why it FAILED or was SUPERSEDED"),
    configVersion: z.number().int().nullable(),
    createdAt: z.string(),
    author: z.object({ name: z.string() }),
    build: z.object({ name: z.string() }),
    config: z.object({ name: z.string() }).nullable(),
  })
  .describe("A Release: one Build with one Configuration version, on one Stage") satisfies z.ZodType<McpReleaseFragment>;

export const componentSchema = z
  .object({
    name: z.string(),
    kind: z.enum(COMPONENT_KINDS),
    state: z.enum(COMPONENT_STATES),
    health: z.enum(HEALTHS),
    lastKnownHealth: z.enum(HEALTHS).nullable(),
    restarts: z.number().int(),
    message: z.string().nullable(),
    links: z.array(z.string()).describe("Its shareable links, one per ingress"),
    observedAt: z.string().nullable(),
  })
  .describe("A Component of the Stage's Release") satisfies z.ZodType<McpComponentFragment>;

export const buildSchema = z
  .object({
    name: z.string().describe("What deploy_release takes as build"),
    number: z.number().int(),
    branch: z.string().nullable(),
    status: z.enum(BUILD_STATUSES),
    createdAt: z.string(),
    author: z.object({ name: z.string() }),
    artifact: z.object({ sha256: z.string(), byteSize: z.string().describe("Bytes, as a decimal string") }),
  })
  .describe("A Build: an application that can be deployed") satisfies z.ZodType<McpBuildFragment>;

export const projectSchema = z.object({
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
  stages: z.array(z.object({ slug: z.string(), type: z.enum(STAGE_TYPES) })),
});

export const backupSchema = z
  .object({
    id: z.string().describe("What restore_backup takes as backup"),
    displayName: z.string(),
    state: z.enum(BACKUP_STATES).describe("PENDING until the agent has uploaded every storage (READY), or FAILED"),
    message: z.string().nullable().describe("Why it FAILED"),
    size: z.string().describe("Bytes, as a decimal string"),
    createdAt: z.string(),
    storages: z.array(z.object({ name: z.string().describe("<component>/<volume>"), ready: z.boolean() })),
    restoreState: z.enum(RESTORE_STATES).nullable().describe("Its last restore: PENDING, DONE or FAILED; null if never restored"),
    restoreMessage: z.string().nullable().describe("Why the last restore FAILED"),
  })
  .describe("A backup of a Stage's standard storages") satisfies z.ZodType<McpBackupFragment>;

export const fleetStageSchema = z
  .object({
    project: z.string(),
    stage: z.string().describe("The Stage ID"),
    type: z.enum(STAGE_TYPES),
    state: z.enum(STAGE_STATES),
    health: z.enum(HEALTHS).describe("UNKNOWN while its Outpost is not ONLINE, or before its services are probed"),
    healthSince: z.string().describe("When its health last changed"),
    outpost: z.string().nullable().describe("The Outpost's slug; null: the built-in local one"),
    link: z.enum(OUTPOST_LINK_STATUSES).nullable().describe("The Outpost link's status"),
  })
  .describe("A Stage's health") satisfies z.ZodType<McpFleetHealthSubscription["healthChanged"]["stages"][number]>;

export const nextCursor = z.string().nullable().describe("Pass as after for the next page; null on the last page");

export type StageResult = z.infer<typeof stageSchema>;
export type ReleaseResult = z.infer<typeof releaseSchema>;
export type BackupResult = z.infer<typeof backupSchema>;
export type FleetStageResult = z.infer<typeof fleetStageSchema>;
