/**
 * Per-request batching: a list of Stages resolving `project` costs one statement, not one per
 * Stage. New loaders go here as the schema grows.
 */
import type { ProjectRow } from "@pergola/db/schema";
import DataLoader from "dataloader";
import type { Services } from "./services.js";

export interface Loaders {
  projectById: DataLoader<string, ProjectRow | null>;
}

export function createLoaders(services: Services): Loaders {
  return {
    projectById: new DataLoader(async (ids) => {
      const rows = await services.projects.listByIds(ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
