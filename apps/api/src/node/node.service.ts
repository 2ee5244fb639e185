/**
 * Objects by id, whatever their type: what `node`/`nodes` and the DataLoaders behind the object
 * fields (`Release.stage`, `ComponentLogLines.release`…) read. Who may see what is decided
 * elsewhere (node-access.ts): this only finds rows.
 */
import type { Db } from "@pergola/db/client";
import {
  apiTokens,
  builds,
  components,
  configurations,
  outposts,
  projects,
  releases,
  stages,
  users,
  type ApiTokenRow,
  type BuildRow,
  type ComponentRow,
  type ConfigurationRow,
  type OutpostRow,
  type ProjectRow,
  type ReleaseRow,
  type StageRow,
  type UserRow,
} from "@pergola/db/schema";
import { and, eq, inArray, or } from "drizzle-orm";
import { fromGlobalId, isUuid, splitKey } from "./global-id.js";

/** What an id names, before anyone asked whether the caller may see it. */
export type NodeRecord =
  | { type: "Project"; row: ProjectRow }
  | { type: "Stage"; row: StageRow }
  | { type: "Release"; row: ReleaseRow }
  | { type: "Build"; row: BuildRow }
  | { type: "Configuration"; row: ConfigurationRow; version: number }
  | { type: "Outpost"; row: OutpostRow }
  | { type: "User"; row: UserRow }
  | { type: "AccessKey"; row: ApiTokenRow }
  | { type: "Component"; row: ComponentRow }
  | { type: "OutpostLink"; row: StageRow }
  | { type: "Actor"; name: string };

const ACCESS_KEY_KINDS = ["ACCESS_KEY", "LEGACY"] as const;

export class NodeService {
  constructor(private readonly db: Db) {}

  /** One statement per table that may hold one of `ids`, whatever their number. */
  async findRecords(ids: readonly string[]): Promise<(NodeRecord | null)[]> {
    const uuids = [...new Set(ids.filter(isUuid))];
    const opaque = ids.map((id) => fromGlobalId(id));
    const found = new Map<string, NodeRecord>();
    if (uuids.length) {
      const byId = (type: NodeRecord["type"], rows: { id: string }[]) => {
        for (const row of rows) found.set(row.id, { type, row } as NodeRecord);
      };
      byId("Project", await this.db.select().from(projects).where(inArray(projects.id, uuids)));
      byId("Stage", await this.listStages(uuids));
      byId("Release", await this.listReleases(uuids));
      byId("Build", await this.db.select().from(builds).where(inArray(builds.id, uuids)));
      byId("Outpost", await this.db.select().from(outposts).where(inArray(outposts.id, uuids)));
      byId("User", await this.db.select().from(users).where(inArray(users.id, uuids)));
      byId(
        "AccessKey",
        await this.db
          .select()
          .from(apiTokens)
          .where(and(inArray(apiTokens.id, uuids), inArray(apiTokens.kind, ACCESS_KEY_KINDS))),
      );
    }
    const keysOf = (type: string) => opaque.flatMap((o) => (o?.type === type ? [o.key] : []));
    const configurationKeys = keysOf("Configuration").flatMap(splitKeys);
    const configurations = await this.listConfigurations(configurationKeys.map(([id]) => id));
    const components = await this.listComponents(keysOf("Component"));
    const linkStages = await this.listStages(keysOf("OutpostLink").filter(isUuid));
    return ids.map((id, i) => {
      const o = opaque[i];
      if (!o) return found.get(id) ?? null;
      if (o.type === "Actor") return { type: "Actor", name: o.key };
      if (o.type === "Configuration") {
        const [configurationId, version] = splitKey(o.key) ?? [];
        const row = configurations.find((c) => c.id === configurationId);
        // Versions run from 1 to the newest, every one kept.
        const known = row && /^[1-9][0-9]*$/.test(version!) && Number(version) <= row.version;
        return known ? { type: "Configuration", row, version: Number(version) } : null;
      }
      if (o.type === "Component") {
        const row = components.get(o.key);
        return row ? { type: "Component", row } : null;
      }
      const stage = linkStages.find((s) => s.id === o.key);
      return stage?.outpostId ? { type: "OutpostLink", row: stage } : null;
    });
  }

  listStages(ids: readonly string[]): Promise<StageRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(stages)
      .where(inArray(stages.id, [...ids]));
  }

  listReleases(ids: readonly string[]): Promise<ReleaseRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(releases)
      .where(inArray(releases.id, [...ids]));
  }

  private listConfigurations(ids: readonly string[]): Promise<ConfigurationRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(configurations)
      .where(inArray(configurations.id, [...ids]));
  }

  /** Components by `<releaseId>/<name>` (their primary key). */
  private async listComponents(keys: readonly string[]): Promise<Map<string, ComponentRow>> {
    const pairs = keys.flatMap(splitKeys);
    if (pairs.length === 0) return new Map();
    const rows = await this.db
      .select()
      .from(components)
      .where(or(...pairs.map(([releaseId, name]) => and(eq(components.releaseId, releaseId), eq(components.name, name)))));
    return new Map(rows.map((row) => [`${row.releaseId}/${row.name}`, row]));
  }
}

/** The key split in one (`[[uuid, rest]]`), or none when it is no `<uuid>/<rest>`: for flatMap. */
function splitKeys(key: string): [string, string][] {
  const split = splitKey(key);
  return split ? [split] : [];
}
