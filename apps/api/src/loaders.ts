/**
 * Batching: a list of Stages resolving `project` costs one statement, not one per Stage.
 * No caching (`cache: false`): a WebSocket operation keeps its context for hours, and a cache
 * would serve it rows from the day it started. New loaders go here as the schema grows; each
 * batches through a service method, never a table.
 */
import type { ArtifactRow, BuildRow, ComponentRow, ProjectRow, ReleaseRow, StageRow } from "@pergola/db/schema";
import DataLoader from "dataloader";
import type { Configuration } from "./configurations/configuration.type.js";
import type { OutpostView } from "./outposts/outpost-views.js";
import type { MemberView } from "./projects/project.service.js";
import type { Services } from "./services.js";
import { oneInOrder } from "./common/in-order.js";

export interface Loaders {
  projectById: DataLoader<string, ProjectRow | null>;
  membersByProjectId: DataLoader<string, MemberView[]>;
  artifactBySha: DataLoader<string, ArtifactRow | null>;
  configsByStageId: DataLoader<string, Configuration[]>;
  buildById: DataLoader<string, BuildRow | null>;
  activeReleaseByStageId: DataLoader<string, ReleaseRow | null>;
  deployedReleaseByStageId: DataLoader<string, ReleaseRow | null>;
  componentsByStageId: DataLoader<string, ComponentRow[]>;
  /** The Components of the Release serving each Stage (its health's). */
  servingComponentsByStageId: DataLoader<string, ComponentRow[]>;
  outpostById: DataLoader<string, OutpostView | null>;
  /** The Outpost of each Stage; null for local Stages. */
  outpostByStageId: DataLoader<string, OutpostView | null>;
  /** Keys `<releaseId>/<component>`. */
  linksByComponent: DataLoader<string, string[]>;
  stageById: DataLoader<string, StageRow | null>;
  releaseById: DataLoader<string, ReleaseRow | null>;
}

export function createLoaders(services: Services): Loaders {
  const outpostById = new DataLoader<string, OutpostView | null>(
    async (ids) => {
      return oneInOrder(ids, await services.outposts.listByIds(ids), (r) => r.id);
    },
    { cache: false },
  );
  return {
    projectById: new DataLoader(async (ids) => oneInOrder(ids, await services.projects.listByIds(ids), (r) => r.id), { cache: false }),
    membersByProjectId: new DataLoader((ids) => services.projects.listMembers(ids), { cache: false }),
    artifactBySha: new DataLoader((shas) => services.artifacts.listBySha(shas), { cache: false }),
    configsByStageId: new DataLoader((ids) => services.configurations.listConfigurations(ids), { cache: false }),
    buildById: new DataLoader((ids) => services.builds.listByIds(ids), { cache: false }),
    activeReleaseByStageId: new DataLoader((ids) => services.releases.activeReleases(ids), { cache: false }),
    deployedReleaseByStageId: new DataLoader((ids) => services.releases.deployedReleases(ids), { cache: false }),
    componentsByStageId: new DataLoader((ids) => services.components.listForStages(ids), { cache: false }),
    servingComponentsByStageId: new DataLoader((ids) => services.components.listForStages(ids, "serving"), { cache: false }),
    outpostById,
    outpostByStageId: new DataLoader(
      async (stageIds) => {
        const outpostIds = await services.stages.listOutpostIds(stageIds);
        return Promise.all(outpostIds.map((id) => (id ? outpostById.load(id) : null)));
      },
      { cache: false },
    ),
    linksByComponent: new DataLoader(
      async (keys) => {
        const links = await services.links.linksFor([...new Set(keys.map((k) => k.slice(0, k.indexOf("/"))))]);
        return keys.map((k) => links.get(k) ?? []);
      },
      { cache: false },
    ),
    stageById: new DataLoader(async (ids) => oneInOrder(ids, await services.nodes.listStages(ids), (r) => r.id), { cache: false }),
    releaseById: new DataLoader(async (ids) => oneInOrder(ids, await services.nodes.listReleases(ids), (r) => r.id), { cache: false }),
  };
}
