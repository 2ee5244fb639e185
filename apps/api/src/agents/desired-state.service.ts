/**
 * The desired state of an Outpost's Stages, as the agent receives it (apps/agent/PROTOCOL.md):
 * per Stage its generation, whether it is suspended, its grace period and its active Release
 * with the manifest, the artifact, the resolved Configuration version (secrets included,
 * decrypted here and nowhere else — only agent tokens read this, and each only its own
 * Outpost's Stages) and what people asked of its Components. A Stage with no Outpost belongs to the built-in `local` one.
 * Beside them, the Outpost's purged Stages whose storage the agent is to remove (stages/stage-purges.ts).
 */
import type { Db, Tx } from "@pergola/db/client";
import {
  backups,
  backupStorages,
  builds,
  configurations,
  configurationVersions,
  outposts,
  projects,
  releases,
  stagePolicies,
  stages,
} from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES, LOCAL_OUTPOST } from "@pergola/schema";
import { and, asc, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { Logger } from "pino";
import { badInput } from "../errors.js";
import type { ConfigVersionData } from "../configurations/configuration.rules.js";
import type { SecretBox } from "../configurations/secret-box.js";
import { acknowledgePurge, listPurged, type PurgedStage } from "../stages/stage-purges.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface DesiredRelease {
  id: string;
  manifest: unknown;
  artifact: string;
  config: { env: Record<string, string>; files: Record<string, string> };
  /** What people asked of its Components (component-control.machine.ts), by Component. */
  controls: { name: string; stopped: boolean; restarts: number; runs: number }[];
}

export interface DesiredStage {
  stageId: string;
  projectId: string;
  key: string;
  generation: number;
  suspended: boolean;
  graceSeconds: number;
  /** Its type's policy's nice level (StagePolicy.nice). */
  nice: number;
  release: DesiredRelease | null;
  /** PENDING backups to take: each names its storages (`<component>/<volume>`). */
  backups: { id: string; storages: string[] }[];
  /** A restore to do (the Stage is suspended), with each storage's archive. */
  restore: { backup: string; storages: { name: string; sha256: string }[] } | null;
}

export class DesiredStateService {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly logger: Pick<Logger, "error">,
  ) {}

  /** Every Stage of the Outpost, or those of one Project. */
  async listDesired(outpost: string, projectId?: string): Promise<DesiredStage[]> {
    // One snapshot: a Stage's generation and its active Release are written in one transaction,
    // so reading them in two statements could pair the old generation with the new Release.
    return this.db.transaction((tx) => this.readDesired(tx, outpost, projectId), {
      isolationLevel: "repeatable read",
      accessMode: "read only",
    });
  }

  /** The Outpost's purged Stages (of one Project, or all) whose storage its agent has yet to remove. */
  listPurged(outpost: string, projectId?: string): Promise<PurgedStage[]> {
    return listPurged(this.db, outpost, projectId);
  }

  /** The agent of `outpost` removed a purged Stage's storage (or had none); idempotent. */
  async acknowledgePurge(outpost: string, stageId: string): Promise<boolean> {
    if (!UUID.test(stageId)) throw badInput("stageId", "not a Stage ID");
    await acknowledgePurge(this.db, outpost, stageId);
    return true;
  }

  /** The Outpost's id, null for the built-in local one (its Stages have none), undefined for one that does not exist. */
  async getOutpostId(outpost: string): Promise<string | null | undefined> {
    if (outpost === LOCAL_OUTPOST) return null;
    const [row] = await this.db.select({ id: outposts.id }).from(outposts).where(eq(outposts.slug, outpost));
    return row?.id;
  }

  private async readDesired(db: Tx, outpost: string, projectId?: string): Promise<DesiredStage[]> {
    const onOutpost: SQL = outpost === LOCAL_OUTPOST ? isNull(stages.outpostId) : eq(outposts.slug, outpost);
    const rows = await db
      .select({ stage: stages, project: projects.slug, nice: stagePolicies.nice })
      .from(stages)
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .innerJoin(stagePolicies, eq(stagePolicies.type, stages.type))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(projectId ? and(onOutpost, eq(stages.projectId, projectId)) : onOutpost);
    if (rows.length === 0) return [];
    const active = await db
      .select({ release: releases, build: builds })
      .from(releases)
      .innerJoin(builds, eq(builds.id, releases.buildId))
      .where(
        and(
          inArray(
            releases.stageId,
            rows.map((r) => r.stage.id),
          ),
          inArray(releases.state, [...ACTIVE_RELEASE_STATES]),
        ),
      )
      // The agent runs the newest: a Release on its way starts beside the DEPLOYED one (the agent's rollout).
      .orderBy(asc(releases.number));
    const configs = await this.configsOf(
      db,
      active.map((a) => a.release),
    );
    const byStage = new Map(active.map((a) => [a.release.stageId, a]));
    const wanted = await db
      .select({ backup: backups, storage: backupStorages })
      .from(backups)
      .innerJoin(backupStorages, eq(backupStorages.backupId, backups.id))
      .where(
        and(
          inArray(
            backups.stageId,
            rows.map((r) => r.stage.id),
          ),
          or(eq(backups.state, "PENDING"), eq(backups.restoreState, "PENDING")),
        ),
      )
      .orderBy(asc(backups.createdAt), asc(backupStorages.name));
    return rows.map(({ stage, project, nice }) => {
      const live = byStage.get(stage.id);
      return {
        stageId: stage.id,
        projectId: stage.projectId,
        key: `${project}/${stage.slug}`,
        generation: stage.generation,
        suspended: stage.state === "SUSPENDING" || stage.state === "SUSPENDED",
        graceSeconds: stage.suspendGraceSeconds,
        backups: [
          ...new Set(wanted.filter((w) => w.backup.stageId === stage.id && w.backup.state === "PENDING").map((w) => w.backup.id)),
        ].map((id) => ({ id, storages: wanted.filter((w) => w.backup.id === id).map((w) => w.storage.name) })),
        restore: toRestore(wanted.filter((w) => w.backup.stageId === stage.id && w.backup.restoreState === "PENDING")),
        nice,
        release: live
          ? {
              id: live.release.id,
              manifest: live.build.manifest,
              artifact: live.build.artifactSha256,
              config: configs.get(live.release.id) ?? { env: {}, files: {} },
              controls: Object.entries(live.release.componentControl).map(([name, c]) => ({
                name,
                stopped: c.stopped ?? false,
                restarts: c.restarts ?? 0,
                runs: c.runs ?? 0,
              })),
            }
          : null,
      };
    });
  }

  /** Each Release's Configuration version as maps name → value. */
  private async configsOf(db: Tx, list: { id: string; stageId: string; configName: string | null; configVersion: number | null }[]) {
    const wanted = list.filter((r) => r.configName && r.configVersion != null);
    const result = new Map<string, DesiredRelease["config"]>();
    if (wanted.length === 0) return result;
    const rows = await db
      .select({
        configurationId: configurations.id,
        stageId: configurations.stageId,
        name: configurations.name,
        version: configurationVersions.version,
        data: configurationVersions.data,
      })
      .from(configurationVersions)
      .innerJoin(configurations, eq(configurations.id, configurationVersions.configurationId))
      .where(
        and(
          inArray(
            configurations.stageId,
            wanted.map((r) => r.stageId),
          ),
          inArray(
            configurationVersions.version,
            wanted.map((r) => r.configVersion!),
          ),
        ),
      );
    for (const release of wanted) {
      const row = rows.find((r) => r.stageId === release.stageId && r.name === release.configName && r.version === release.configVersion);
      const config = { env: {} as Record<string, string>, files: {} as Record<string, string> };
      for (const entry of (row?.data as ConfigVersionData | undefined)?.entries ?? []) {
        let value: string;
        try {
          value = this.secrets.openEntry(entry, row!.configurationId);
        } catch (error) {
          // Left out: the Component then fails naming the missing entry; the log says why.
          this.logger.error(
            {
              stageId: release.stageId,
              configuration: release.configName,
              version: release.configVersion,
              entry: entry.name,
              reason: (error as Error).message,
            },
            "a secret Configuration value does not decrypt (is PERGOLA_SECRET_KEY the key it was written with?)",
          );
          continue;
        }
        (entry.kind === "ENV" ? config.env : config.files)[entry.name] = value;
      }
      result.set(release.id, config);
    }
    return result;
  }
}

function toRestore(rows: { backup: { id: string }; storage: { name: string; sha256: string | null } }[]): DesiredStage["restore"] {
  if (rows.length === 0) return null;
  return { backup: rows[0]!.backup.id, storages: rows.map((r) => ({ name: r.storage.name, sha256: r.storage.sha256 ?? "" })) };
}
