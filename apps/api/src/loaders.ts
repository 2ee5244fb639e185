/**
 * Batching: a list of Stages resolving `project` costs one statement, not one per Stage.
 * No caching (`cache: false`): a WebSocket operation keeps its context for hours, and a cache
 * would serve it rows from the day it started. New loaders go here as the schema grows; each
 * batches through a service method, never a table.
 */
import type {
  ArtifactRow,
  BuildRow,
  ComponentRow,
  ProjectRow,
  ReleaseRow,
  StagePolicyRow,
  StageRow,
  WebhookDeliveryRow,
} from "@pergola/db/schema";
import DataLoader from "dataloader";
import type { Configuration } from "./configurations/configuration.type.js";
import type { OutpostView } from "./outposts/outpost-views.js";
import type { MemberView } from "./projects/project.service.js";
import type { Services } from "./services.js";
import { oneInOrder } from "./common/in-order.js";
import type { StageUsagePoint, UsagePoint } from "./usage/usage.service.js";

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
  /** Keys `<stageId>/<component>`: the newest usage sample of each. */
  usageByComponent: DataLoader<string, UsagePoint | null>;
  /** Each Stage's last hour, a point a minute (its sparkline). */
  usageTrendByStageId: DataLoader<string, StageUsagePoint[]>;
  /** Keys `<last>/<webhookId>`: the webhook's newest `last` deliveries, newest first. */
  deliveriesByWebhook: DataLoader<string, WebhookDeliveryRow[]>;
  /** By Stage type: a list of Stages reads the (three) policies once. */
  stagePolicyByType: DataLoader<string, StagePolicyRow>;
}

/** How each loader batches; `loaders` is the context's own set (a loader may use another). */
type BatchFns = {
  [K in keyof Loaders]: (
    services: Services,
    loaders: Loaders,
  ) => Loaders[K] extends DataLoader<infer Key, infer Value> ? DataLoader.BatchLoadFn<Key, Value> : never;
};

const BATCH: BatchFns = {
  projectById: (services) => async (ids) => oneInOrder(ids, await services.projects.listByIds(ids), (r) => r.id),
  membersByProjectId: (services) => (ids) => services.projects.listMembers(ids),
  artifactBySha: (services) => (shas) => services.artifacts.listBySha(shas),
  configsByStageId: (services) => (ids) => services.configurations.listConfigurations(ids),
  buildById: (services) => (ids) => services.builds.listByIds(ids),
  activeReleaseByStageId: (services) => (ids) => services.releases.activeReleases(ids),
  deployedReleaseByStageId: (services) => (ids) => services.releases.deployedReleases(ids),
  componentsByStageId: (services) => (ids) => services.components.listForStages(ids),
  servingComponentsByStageId: (services) => (ids) => services.components.listForStages(ids, "serving"),
  outpostById: (services) => async (ids) => oneInOrder(ids, await services.outposts.listByIds(ids), (r) => r.id),
  outpostByStageId: (services, loaders) => async (stageIds) => {
    const outpostIds = await services.stages.listOutpostIds(stageIds);
    return Promise.all(outpostIds.map((id) => (id ? loaders.outpostById.load(id) : null)));
  },
  linksByComponent: (services) => async (keys) => {
    const links = await services.links.linksFor([...new Set(keys.map((k) => k.slice(0, k.indexOf("/"))))]);
    return keys.map((k) => links.get(k) ?? []);
  },
  stageById: (services) => async (ids) => oneInOrder(ids, await services.nodes.listStages(ids), (r) => r.id),
  releaseById: (services) => async (ids) => oneInOrder(ids, await services.nodes.listReleases(ids), (r) => r.id),
  usageByComponent: (services) => (keys) => services.usage.listLatest(keys),
  usageTrendByStageId: (services) => (ids) => services.usage.listStageTrends(ids),
  deliveriesByWebhook: (services) => (keys) => services.webhooks.listRecentDeliveries(keys),
  stagePolicyByType: (services) => async (types) => {
    const policies = await services.stagePolicies.listStagePolicies();
    return types.map((type) => policies.find((p) => p.type === type)!);
  },
};

const SERVICES = Symbol("services");

/**
 * Each loader is made on its first use: a socket's context lives as long as the socket, and most
 * sockets (an agent's, a Stage list's) use one or two loaders, or none. The getters live on one
 * shared prototype, so a context costs one small object until then.
 */
const LAZY_LOADERS: object = Object.create(null);
for (const name of Object.keys(BATCH) as (keyof Loaders)[]) {
  Object.defineProperty(LAZY_LOADERS, name, {
    get(this: Loaders & { [SERVICES]: Services }) {
      const loader = new DataLoader(BATCH[name](this[SERVICES], this) as DataLoader.BatchLoadFn<string, unknown>, { cache: false });
      Object.defineProperty(this, name, { value: loader, enumerable: true });
      return loader;
    },
  });
}

export function createLoaders(services: Services): Loaders {
  return Object.assign(Object.create(LAZY_LOADERS) as Loaders, { [SERVICES]: services });
}
