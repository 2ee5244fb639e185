/**
 * The tools that change a Stage: deploy, promote, roll back, suspend, resume.
 *
 * Each reads the Stage first (one query: its type, and the Project's cursor to wait from). A
 * PROD Stage without `confirm: true` is refused here and no mutation is sent: an assistant must
 * ask its user first. This is a guard for assistants, not an authorization: the API's policy
 * still decides (a read-only key gets FORBIDDEN), and a Stage whose type changes between the
 * read and the mutation is judged by the read. A `confirm: true` goes on to the API, where the
 * Stage type's policy may ask for it on any type (StagePolicy.confirmDeploy, confirmSuspend).
 *
 * `waitSeconds` follows the change to its end over a subscription from the cursor read before
 * it (`releaseChanged` to DEPLOYED/FAILED/SUPERSEDED, `stageChanged` to SUSPENDED/RUNNING), so
 * nothing that happens in between is missed. A wait that runs out is not an error: the change
 * was made, and the answer says where it stands.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { StageState, StageType } from "@pergola/schema";
import { z } from "zod";
import type { ApiClient } from "../client.js";
import {
  McpBeforeChangeDocument,
  McpDeployReleaseDocument,
  McpPromoteReleaseDocument,
  McpResumeStageDocument,
  McpRollbackStageDocument,
  McpStageChangedDocument,
  McpSuspendStageDocument,
} from "../documents.js";
import { waitForRelease } from "../wait.js";
import {
  confirmInput,
  projectInput,
  releaseSchema,
  stageInput,
  stageSchema,
  waitInput,
  type ReleaseResult,
  type StageResult,
} from "./schemas.js";
import { CHANGES, defineTool, notFound, ToolRefusal, type ToolAnswer } from "./tool.js";
import { describeStage } from "./views.js";

export interface Change {
  project: string;
  stage: string;
  confirm: boolean | undefined;
  /** What the user is asked to confirm: "deploy build x to it". */
  doing: string;
  tool: string;
}

/** Reads the Stage's type and the Project's cursor (what a wait follows from); refuses a missing Stage. */
export async function readBeforeChange(client: ApiClient, project: string, stage: string): Promise<{ cursor: string; type: StageType }> {
  const read = await client.request(McpBeforeChangeDocument, { project, stage });
  if (!read.project || !read.stage) throw notFound(`Stage "${stage}" in Project "${project}"`);
  return { cursor: read.project.cursor, type: read.stage.type };
}

/** Reads as readBeforeChange does, and refuses a PROD Stage without confirm; answers the cursor. */
export async function beforeChange(client: ApiClient, change: Change): Promise<string> {
  const { cursor, type } = await readBeforeChange(client, change.project, change.stage);
  if (type === "PROD" && change.confirm !== true)
    throw new ToolRefusal(
      "CONFIRMATION_REQUIRED",
      `Stage "${change.stage}" of Project "${change.project}" is a PROD Stage, so nothing was changed. Ask the user whether to ${change.doing}; only if they agree, call ${change.tool} again with confirm: true.`,
    );
  return cursor;
}

/** Makes a Release after the checks, then (with waitSeconds) follows it until it is DEPLOYED, FAILED or SUPERSEDED. */
async function release(
  client: ApiClient,
  change: Change,
  waitSeconds: number,
  make: () => Promise<ReleaseResult>,
): Promise<ToolAnswer<{ release: ReleaseResult }>> {
  const cursor = await beforeChange(client, change);
  const made = await make();
  const where = `${change.project}/${change.stage}`;
  const told = (r: ReleaseResult, note = "") =>
    `release #${r.number} of ${r.build.name} on ${where}: ${r.state}${r.message ? ` (${r.message})` : ""}${note}`;
  if (waitSeconds === 0) return { result: { release: made }, text: told(made, " — follow it with list_releases or get_stage") };
  try {
    const { state, message } = await waitForRelease(
      client,
      { project: change.project, stage: change.stage, after: cursor, release: made },
      waitSeconds * 1000,
      "json",
    );
    const final = { ...made, state, message };
    return { result: { release: final }, text: told(final) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { result: { release: made }, text: told(made, ` — made, but not followed to its end: ${why}`) };
  }
}

/**
 * Waits until a subscription stops itself, for at most `seconds`. A failure ends the wait too:
 * the change was made, and the answer says where it stands.
 */
export async function followAtMost(sub: { done: Promise<void>; stop(): void }, seconds: number): Promise<void> {
  const timer = setTimeout(() => sub.stop(), seconds * 1000);
  try {
    await sub.done;
  } catch {
    // Told by the answer: the state the object was last seen in.
  } finally {
    clearTimeout(timer);
  }
}

/** Suspends or resumes after the checks, then (with waitSeconds) follows the Stage until it is `settled`. */
async function transition(
  client: ApiClient,
  change: Change,
  waitSeconds: number,
  settled: StageState,
  send: () => Promise<StageResult>,
): Promise<ToolAnswer<{ stage: StageResult }>> {
  const after = await beforeChange(client, change);
  let stage = await send();
  if (stage.state !== settled && waitSeconds > 0) {
    const sub = client.subscribe(McpStageChangedDocument, { project: change.project, after }, ({ stageChanged }) => {
      if (stageChanged.stage.slug !== change.stage) return;
      stage = stageChanged.stage;
      return stage.state === settled ? "stop" : undefined;
    });
    await followAtMost(sub, waitSeconds);
  }
  const pending = stage.state === settled ? "" : ` — not ${settled} yet: follow it with get_stage`;
  return { result: { stage }, text: `${describeStage(stage)}${pending}` };
}

const RELEASE_OUTPUT = { release: releaseSchema };
const STAGE_OUTPUT = { stage: stageSchema };

export function registerWriteTools(server: McpServer, client: ApiClient): void {
  defineTool(
    server,
    "deploy_release",
    {
      title: "Deploy a Release",
      description:
        "Deploys a Build and/or a Configuration to a Stage as a new Release; the one left out is the Stage's current. It starts beside the serving Release, which keeps serving until the new one is DEPLOYED (and goes on if it FAILS). PROD Stages need confirm: true, after asking the user.",
      input: {
        project: projectInput,
        stage: stageInput,
        build: z.string().min(1).optional().describe("The Build's name (list_builds); default: the Build of the Stage's current Release"),
        configuration: z
          .string()
          .min(1)
          .optional()
          .describe("The Configuration's name; default: the current Release's. Its newest version is released"),
        confirm: confirmInput,
        waitSeconds: waitInput,
      },
      output: RELEASE_OUTPUT,
      annotations: CHANGES,
    },
    ({ project, stage, build, configuration, confirm, waitSeconds }) =>
      release(
        client,
        { project, stage, confirm, tool: "deploy_release", doing: `deploy ${build ? `Build ${build}` : "a new Release"} to it` },
        waitSeconds,
        async () =>
          (await client.request(McpDeployReleaseDocument, { input: { project, stage, build, configuration, confirm: confirm ?? null } }))
            .deployRelease,
      ),
  );

  defineTool(
    server,
    "promote_release",
    {
      title: "Promote a Release",
      description:
        "Deploys the Build live on one Stage (from) to another (to) as a new Release there; each Stage keeps its own Configuration. A PROD target needs confirm: true, after asking the user.",
      input: {
        project: projectInput,
        from: z.string().min(1).describe("The Stage ID whose current Build is promoted"),
        to: z.string().min(1).describe("The Stage ID that gets a new Release of that Build"),
        confirm: confirmInput,
        waitSeconds: waitInput,
      },
      output: RELEASE_OUTPUT,
      annotations: CHANGES,
    },
    ({ project, from, to, confirm, waitSeconds }) =>
      release(
        client,
        { project, stage: to, confirm, tool: "promote_release", doing: `promote the Build of ${from} to it` },
        waitSeconds,
        async () => (await client.request(McpPromoteReleaseDocument, { project, from, to, confirm: confirm ?? null })).promoteRelease,
      ),
  );

  defineTool(
    server,
    "rollback_stage",
    {
      title: "Roll back a Stage",
      description:
        "Undoes the Stage's latest Release (a failed one too): redeploys the Build of the newest Release before it that did not fail, with the current Configuration, as a new Release. PROD Stages need confirm: true, after asking the user.",
      input: { project: projectInput, stage: stageInput, confirm: confirmInput, waitSeconds: waitInput },
      output: RELEASE_OUTPUT,
      annotations: CHANGES,
    },
    ({ project, stage, confirm, waitSeconds }) =>
      release(
        client,
        { project, stage, confirm, tool: "rollback_stage", doing: "roll it back to its previous Build" },
        waitSeconds,
        async () => (await client.request(McpRollbackStageDocument, { project, stage, confirm: confirm ?? null })).rollbackStage,
      ),
  );

  defineTool(
    server,
    "suspend_stage",
    {
      title: "Suspend a Stage",
      description:
        "RUNNING → SUSPENDING → SUSPENDED: its links answer 503, schedules stop, services get SIGTERM (SIGKILL after the grace period). Its Release, Configuration and storage are kept for resume_stage. PROD Stages need confirm: true, after asking the user.",
      input: { project: projectInput, stage: stageInput, confirm: confirmInput, waitSeconds: waitInput },
      output: STAGE_OUTPUT,
      annotations: CHANGES,
    },
    ({ project, stage, confirm, waitSeconds }) =>
      transition(
        client,
        { project, stage, confirm, tool: "suspend_stage", doing: "suspend it" },
        waitSeconds,
        "SUSPENDED",
        async () => (await client.request(McpSuspendStageDocument, { project, stage, confirm: confirm ?? null })).suspendStage,
      ),
  );

  defineTool(
    server,
    "resume_stage",
    {
      title: "Resume a Stage",
      description:
        "SUSPENDED → RESUMING → RUNNING: the same Release, Configuration, schedules and storage come back. PROD Stages need confirm: true, after asking the user.",
      input: { project: projectInput, stage: stageInput, confirm: confirmInput, waitSeconds: waitInput },
      output: STAGE_OUTPUT,
      annotations: { ...CHANGES, destructiveHint: false },
    },
    ({ project, stage, confirm, waitSeconds }) =>
      transition(
        client,
        { project, stage, confirm, tool: "resume_stage", doing: "resume it" },
        waitSeconds,
        "RUNNING",
        async () => (await client.request(McpResumeStageDocument, { project, stage })).resumeStage,
      ),
  );
}
