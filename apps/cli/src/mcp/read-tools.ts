/**
 * The read-only tools: Projects, Stages, Components, Releases, Builds, a Component's output and
 * the fleet's health (the first message of the `healthChanged` feed: every Stage, one read).
 * Lists page as the API's connections do: `first`, then `after` the `nextCursor` of a page.
 */
import { HEALTHS, STAGE_TYPES } from "@pergola/schema";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ApiClient } from "../client.js";
import {
  McpFleetHealthDocument,
  McpGetStageDocument,
  McpListBuildsDocument,
  McpListComponentsDocument,
  McpListProjectsDocument,
  McpListReleasesDocument,
  McpListStagesDocument,
  McpReadLogsDocument,
} from "../documents.js";
import {
  afterInput,
  buildSchema,
  componentSchema,
  firstInput,
  fleetStageSchema,
  nextCursor,
  projectInput,
  projectSchema,
  releaseSchema,
  stageInput,
  stageSchema,
  type FleetStageResult,
} from "./schemas.js";
import { defineTool, notFound, READ_ONLY } from "./tool.js";
import { describeRelease, describeStage, lines } from "./views.js";

const pageEnd = (pageInfo: { hasNextPage: boolean; endCursor: string | null }) => (pageInfo.hasNextPage ? pageInfo.endCursor : null);

/** The SNAPSHOT the fleet-wide feed sends first: every Stage this login may see, in every Project. */
async function readFleet(client: ApiClient): Promise<FleetStageResult[]> {
  let stages: FleetStageResult[] = [];
  const sub = client.subscribe(McpFleetHealthDocument, {}, ({ healthChanged }) => {
    if (healthChanged.kind !== "SNAPSHOT") return;
    stages = healthChanged.stages;
    return "stop";
  });
  await sub.done;
  return stages;
}

export function registerReadTools(server: McpServer, client: ApiClient): void {
  defineTool(
    server,
    "fleet_health",
    {
      title: "Fleet health",
      description:
        "The health of every Stage this login may see, across all Projects, in one read: type, state, health and since when, and its Outpost. Start here to find what is unhealthy.",
      input: {
        health: z.array(z.enum(HEALTHS)).optional().describe("Only Stages in one of these healths, such as [UNHEALTHY, DEGRADED]"),
        type: z.enum(STAGE_TYPES).optional().describe("Only Stages of this type"),
      },
      output: { stages: z.array(fleetStageSchema), total: z.number().int().describe("Every Stage seen, before the filters") },
      annotations: READ_ONLY,
    },
    async ({ health, type }) => {
      const all = await readFleet(client);
      const stages = all.filter((s) => (!health || health.includes(s.health)) && (!type || s.type === type));
      const counts = HEALTHS.map((h) => [h, all.filter((s) => s.health === h).length] as const).filter(([, n]) => n > 0);
      return {
        result: { stages, total: all.length },
        text: lines(
          `${all.length} Stage(s): ${counts.map(([h, n]) => `${n} ${h}`).join(", ") || "none"}; ${stages.length} shown`,
          stages.map(
            (s) =>
              `${s.project}/${s.stage} [${s.type}]: ${s.state}, ${s.health} since ${s.healthSince}${s.outpost ? `, on Outpost ${s.outpost} (${s.link})` : ""}`,
          ),
        ),
      };
    },
  );

  defineTool(
    server,
    "list_projects",
    {
      title: "List Projects",
      description: "The Projects this login may see, oldest first, each with its Stages (ID and type).",
      input: { first: firstInput(50), after: afterInput },
      output: { projects: z.array(projectSchema), nextCursor },
      annotations: READ_ONLY,
    },
    async ({ first, after }) => {
      const { projectsConnection: page } = await client.request(McpListProjectsDocument, { first, after });
      const projects = page.edges.map((e) => e.node);
      return {
        result: { projects, nextCursor: pageEnd(page.pageInfo) },
        text: lines(
          `${projects.length} Project(s)`,
          projects.map((p) => `${p.slug} (${p.name}): ${p.stages.map((s) => `${s.slug} [${s.type}]`).join(", ") || "no Stages"}`),
        ),
      };
    },
  );

  defineTool(
    server,
    "list_stages",
    {
      title: "List Stages",
      description: "A Project's Stages, oldest first: type, state, health, the Release on its way and the one serving.",
      input: {
        project: projectInput,
        type: z.enum(STAGE_TYPES).optional().describe("Only Stages of this type"),
        first: firstInput(50),
        after: afterInput,
      },
      output: { stages: z.array(stageSchema), nextCursor },
      annotations: READ_ONLY,
    },
    async ({ project, type, first, after }) => {
      const { stagesConnection: page } = await client.request(McpListStagesDocument, { project, type, first, after });
      const stages = page.edges.map((e) => e.node);
      return {
        result: { stages, nextCursor: pageEnd(page.pageInfo) },
        text: lines(`${stages.length} Stage(s) in ${project}`, stages.map(describeStage)),
      };
    },
  );

  defineTool(
    server,
    "get_stage",
    {
      title: "Get a Stage",
      description: "One Stage as it is now: type, state, health, the Release on its way and the one serving.",
      input: { project: projectInput, stage: stageInput },
      output: { stage: stageSchema },
      annotations: READ_ONLY,
    },
    async ({ project, stage: slug }) => {
      const { stage } = await client.request(McpGetStageDocument, { project, stage: slug });
      if (!stage) throw notFound(`Stage "${slug}" in Project "${project}"`);
      return { result: { stage }, text: describeStage(stage) };
    },
  );

  defineTool(
    server,
    "list_components",
    {
      title: "List Components",
      description: "The Components of a Stage's Release: kind (SERVICE, JOB, CRON), state, health, restarts, links.",
      input: { project: projectInput, stage: stageInput },
      output: { components: z.array(componentSchema) },
      annotations: READ_ONLY,
    },
    async ({ project, stage: slug }) => {
      const { stage } = await client.request(McpListComponentsDocument, { project, stage: slug });
      if (!stage) throw notFound(`Stage "${slug}" in Project "${project}"`);
      const { components } = stage;
      return {
        result: { components },
        text: lines(
          `${components.length} Component(s) on ${project}/${slug}`,
          components.map(
            (c) => `${c.name} [${c.kind}]: ${c.state}, ${c.health}, ${c.restarts} restart(s)${c.message ? ` (${c.message})` : ""}`,
          ),
        ),
      };
    },
  );

  defineTool(
    server,
    "read_logs",
    {
      title: "Read a Component's logs",
      description: "The last lines a Component wrote (stdout and stderr interleaved), as its agent shipped them; at most 200 are kept.",
      input: {
        project: projectInput,
        stage: stageInput,
        component: z.string().min(1).describe("The Component's name, as list_components shows it"),
        tail: z.number().int().min(1).max(200).default(50).describe("How many of the last lines (1-200, default 50)"),
      },
      output: {
        component: z.string(),
        state: componentSchema.shape.state,
        lines: z.array(z.string()).describe("Oldest first"),
      },
      annotations: READ_ONLY,
    },
    async ({ project, stage: slug, component: name, tail }) => {
      const { stage } = await client.request(McpReadLogsDocument, { project, stage: slug, tail });
      if (!stage) throw notFound(`Stage "${slug}" in Project "${project}"`);
      const component = stage.components.find((c) => c.name === name);
      if (!component) throw notFound(`Component "${name}" on Stage "${slug}" in Project "${project}"`);
      return {
        result: { component: name, state: component.state, lines: component.logs },
        text: component.logs.length ? component.logs.join("\n") : `${name} (${component.state}) has written nothing yet`,
      };
    },
  );

  defineTool(
    server,
    "list_releases",
    {
      title: "List Releases",
      description: "A Stage's Releases, newest first: number, Build, Configuration version, state and why it failed.",
      input: { project: projectInput, stage: stageInput, first: firstInput(20), after: afterInput },
      output: { releases: z.array(releaseSchema), nextCursor },
      annotations: READ_ONLY,
    },
    async ({ project, stage, first, after }) => {
      const { releasesConnection: page } = await client.request(McpListReleasesDocument, { project, stage, first, after });
      const releases = page.edges.map((e) => e.node);
      return {
        result: { releases, nextCursor: pageEnd(page.pageInfo) },
        text: lines(`${releases.length} Release(s) of ${project}/${stage}`, releases.map(describeRelease)),
      };
    },
  );

  defineTool(
    server,
    "list_builds",
    {
      title: "List Builds",
      description: "A Project's Builds, newest first: the names deploy_release takes.",
      input: { project: projectInput, first: firstInput(20), after: afterInput },
      output: { builds: z.array(buildSchema), nextCursor },
      annotations: READ_ONLY,
    },
    async ({ project, first, after }) => {
      const { buildsConnection: page } = await client.request(McpListBuildsDocument, { project, first, after });
      const builds = page.edges.map((e) => e.node);
      return {
        result: { builds, nextCursor: pageEnd(page.pageInfo) },
        text: lines(
          `${builds.length} Build(s) in ${project}`,
          builds.map((b) => `${b.name}${b.branch ? ` (branch ${b.branch})` : ""} by ${b.author.name} at ${b.createdAt}`),
        ),
      };
    },
  );
}
