/**
 * `Stage.configs` for a list of Stages in one statement. Keyed by the context's loaders, so
 * it lives exactly as long as they do. No cache: a WebSocket connection keeps its context for
 * its whole life, and a cached list would go stale; batching alone is what is wanted.
 */
import DataLoader from "dataloader";
import type { Context } from "../context.js";
import type { Loaders } from "../loaders.js";
import type { Configuration } from "./configuration.type.js";

const byContext = new WeakMap<Loaders, DataLoader<string, Configuration[]>>();

export function loadStageConfigs({ loaders, services }: Context, stageId: string): Promise<Configuration[]> {
  let loader = byContext.get(loaders);
  if (!loader) {
    loader = new DataLoader((ids: readonly string[]) => services.configurations.listConfigurations(ids), { cache: false });
    byContext.set(loaders, loader);
  }
  return loader.load(stageId);
}
