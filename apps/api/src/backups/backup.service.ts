/**
 * Backups of a Stage's standard storages (README "Backups"). They are desired state: creating
 * one (PENDING) or asking for a restore bumps the Stage's generation, and the Stage's agent,
 * seeing a backup it has not taken, uploads a tar.gz per storage (POST /backups/<id>/<storage>,
 * backup.routes.ts) and reports failures (`reportBackup`). The backup is READY once every
 * storage is in; a FAILED one never becomes READY. Restores are only for SUSPENDED Stages.
 * Every move writes its BACKUP_* event (with the backup and its Stage as they were) in its own
 * transaction, agents' uploads and reports too, so the log and the subscriptions tell each one.
 * Lock order: the Stage row, then the backup rows (then the Project row, event-log.ts).
 */
import type { Db, Tx } from "@pergola/db/client";
import {
  backups,
  backupStorages,
  builds,
  outposts,
  releases,
  stages,
  type BackupRow,
  type ProjectRow,
  type StageRow,
} from "@pergola/db/schema";
import { ACTIVE_RELEASE_STATES, LOCAL_OUTPOST } from "@pergola/schema";
import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { requireName } from "../common/slug.js";
import { AppError, badInput, ErrorCode, notFound, stateConflict } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTarget, ProjectTx } from "../events/event-log.js";
import { lockStage } from "../stages/stage-writes.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import { toBackupSnapshot } from "./backup.snapshot.js";
import type { Backup, BackupReportInput } from "./backup.type.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class BackupService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
  ) {}

  /** A PENDING backup of every standard storage the Stage's Release declares. */
  async createBackup(project: ProjectTarget, slug: string, displayName: string): Promise<Backup> {
    const name = requireName("displayName", displayName);
    return this.log.inProject(
      project,
      async (ptx) => {
        const stage = await lockStage(ptx, slug);
        const names = await standardStoragesOf(ptx.tx, stage.id);
        if (names.length === 0) {
          throw new AppError(ErrorCode.STATE_CONFLICT, `Stage "${slug}" has no standard storage to back up`, { field: "stage" });
        }
        const [backup] = await ptx.tx
          .insert(backups)
          .values({ projectId: stage.projectId, stageId: stage.id, displayName: name })
          .returning();
        await ptx.tx.insert(backupStorages).values(names.map((n) => ({ backupId: backup!.id, name: n })));
        const woken = await wakeAgent(ptx, stage.id);
        emitBackup(ptx, EventKind.BACKUP_CREATED, woken, backup!);
        return toBackup(
          backup!,
          names.map((n) => ({ name: n, sha256: null })),
        );
      },
      { lock: "last" },
    );
  }

  /** The Stage's backups, newest first. */
  async listBackups(project: ProjectRow, slug: string): Promise<Backup[]> {
    const [stage] = await this.db
      .select({ id: stages.id })
      .from(stages)
      .where(and(eq(stages.projectId, project.id), eq(stages.slug, slug)));
    if (!stage) throw notFound(`Stage "${slug}" in Project "${project.slug}"`);
    const rows = await this.db.select().from(backups).where(eq(backups.stageId, stage.id)).orderBy(desc(backups.createdAt));
    return this.withStorages(this.db, rows);
  }

  /** Asks the agent to put the backup's storages back; the Stage must be SUSPENDED and stay so until it is done. */
  async restoreBackup(project: ProjectTarget, slug: string, backupId: string): Promise<Backup> {
    return this.log.inProject(
      project,
      async (ptx) => {
        const stage = await lockStage(ptx, slug);
        if (stage.state !== "SUSPENDED") throw new AppError(ErrorCode.STATE_CONFLICT, "Stage is not suspended", { field: "stage" });
        const backup = await this.lockBackup(ptx.tx, stage.id, backupId);
        if (backup.state !== "READY") {
          throw new AppError(ErrorCode.STATE_CONFLICT, `Backup "${backupId}" is ${backup.state}: only a READY backup can be restored`, {
            field: "backup",
          });
        }
        const [other] = await ptx.tx
          .select({ id: backups.id })
          .from(backups)
          .where(and(eq(backups.stageId, stage.id), eq(backups.restoreState, "PENDING")));
        if (other) throw stateConflict(`A restore of backup "${other.id}" is under way on Stage "${slug}"`);
        const [updated] = await ptx.tx
          .update(backups)
          .set({ restoreState: "PENDING", restoreMessage: null })
          .where(eq(backups.id, backup.id))
          .returning();
        const woken = await wakeAgent(ptx, stage.id);
        emitBackup(ptx, EventKind.BACKUP_RESTORE_REQUESTED, woken, updated!);
        return (await this.withStorages(ptx.tx, [updated!]))[0]!;
      },
      { lock: "last" },
    );
  }

  /** The Project of a PENDING backup of a Stage on the agent's Outpost (the upload is kept for it). */
  async getProjectOfAgentBackup(outpost: string, backupId: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const backup = await this.lockAgentBackup(tx, outpost, backupId);
      if (backup.state !== "PENDING") throw stateConflict(`Backup "${backupId}" is ${backup.state}`);
      return backup.projectId;
    });
  }

  /** An agent's upload of one storage's archive: that storage is ready, and the backup READY when all are. */
  async recordStorage(outpost: string, backupId: string, name: string, sha256: string, size: number): Promise<void> {
    await this.asAgent(outpost, backupId, async (ptx, stage, backup) => {
      if (backup.state !== "PENDING") throw stateConflict(`Backup "${backupId}" is ${backup.state}`);
      const updated = await ptx.tx
        .update(backupStorages)
        .set({ sha256, size })
        .where(and(eq(backupStorages.backupId, backupId), eq(backupStorages.name, name)))
        .returning();
      if (updated.length === 0) throw badInput("storage", `backup "${backupId}" has no storage "${name}"`);
      const storages = await ptx.tx.select().from(backupStorages).where(eq(backupStorages.backupId, backupId));
      if (storages.some((s) => s.sha256 === null)) return;
      const total = storages.reduce((sum, s) => sum + (s.size ?? 0), 0);
      const [ready] = await ptx.tx.update(backups).set({ state: "READY", size: total }).where(eq(backups.id, backupId)).returning();
      await this.applyRetention(ptx.tx, stage);
      emitBackup(ptx, EventKind.BACKUP_READY, stage, ready!);
    });
  }

  /** An agent's word: a backup it could not take becomes FAILED; a restore becomes DONE or FAILED. */
  async reportBackup(outpost: string, input: BackupReportInput): Promise<Backup> {
    return this.asAgent(outpost, input.backup, async (ptx, stage, backup) => {
      const error = input.error ?? null;
      let row = backup;
      if (input.operation === "BACKUP") {
        // "Done" needs no word: the last upload made it READY. A late failure does not undo that.
        if (error !== null && backup.state === "PENDING") {
          [row] = (await ptx.tx.update(backups).set({ state: "FAILED", message: error }).where(eq(backups.id, backup.id)).returning()) as [
            BackupRow,
          ];
          emitBackup(ptx, EventKind.BACKUP_FAILED, stage, row);
        }
      } else if (backup.restoreState === "PENDING") {
        [row] = (await ptx.tx
          .update(backups)
          .set({ restoreState: error === null ? "DONE" : "FAILED", restoreMessage: error })
          .where(eq(backups.id, backup.id))
          .returning()) as [BackupRow];
        emitBackup(ptx, error === null ? EventKind.BACKUP_RESTORED : EventKind.BACKUP_RESTORE_FAILED, stage, row);
      }
      return (await this.withStorages(ptx.tx, [row]))[0]!;
    });
  }

  /**
   * An agent's write to one of its backups, in its Project's event log (the events name
   * "agent of <outpost>"): the Stage row locked, then the backup (the lock order of user writes),
   * the Project row last. NOT_FOUND unless the backup's Stage is on the agent's Outpost.
   */
  private async asAgent<T>(
    outpost: string,
    backupId: string,
    work: (ptx: ProjectTx, stage: StageRow, backup: BackupRow) => Promise<T>,
  ): Promise<T> {
    if (!UUID.test(backupId)) throw badInput("backup", "must be a backup's ID");
    // Which Project and Stage: a backup never moves, so this read needs no lock.
    const [owner] = await this.db
      .select({ projectId: backups.projectId, stageId: backups.stageId })
      .from(backups)
      .where(eq(backups.id, backupId));
    if (!owner) throw notFound(`Backup "${backupId}"`);
    return this.log.inProject(
      { id: owner.projectId, actor: `agent of ${outpost}` },
      async (ptx) => {
        const [stage] = await ptx.tx.select().from(stages).where(eq(stages.id, owner.stageId)).for("update");
        if (!stage) throw notFound(`Backup "${backupId}"`);
        const backup = await this.lockAgentBackup(ptx.tx, outpost, backupId);
        return work(ptx, stage, backup);
      },
      { lock: "last" },
    );
  }

  /**
   * Keeps the newest `backupRetention` READY backups of the Stage (its own setting, read under its
   * lock); the older ones' rows go, and their archives are then unreferenced.
   */
  private async applyRetention(tx: Tx, stage: StageRow): Promise<void> {
    const ready = await tx
      .select({ id: backups.id })
      .from(backups)
      .where(and(eq(backups.stageId, stage.id), eq(backups.state, "READY")))
      .orderBy(desc(backups.createdAt), desc(backups.id));
    const old = ready.slice(stage.backupRetention).map((b) => b.id);
    if (old.length > 0) await tx.delete(backups).where(inArray(backups.id, old));
  }

  private async lockBackup(tx: Tx, stageId: string, backupId: string): Promise<BackupRow> {
    if (!UUID.test(backupId)) throw badInput("backup", "must be a backup's ID");
    const [backup] = await tx
      .select()
      .from(backups)
      .where(and(eq(backups.id, backupId), eq(backups.stageId, stageId)))
      .for("update");
    if (!backup) throw notFound(`Backup "${backupId}"`);
    return backup;
  }

  /** The backup, locked, if its Stage is on the agent's Outpost; NOT_FOUND otherwise. */
  private async lockAgentBackup(tx: Tx, outpost: string, backupId: string): Promise<BackupRow> {
    if (!UUID.test(backupId)) throw badInput("backup", "must be a backup's ID");
    const onOutpost = outpost === LOCAL_OUTPOST ? isNull(stages.outpostId) : eq(outposts.slug, outpost);
    const [row] = await tx
      .select({ backup: backups })
      .from(backups)
      .innerJoin(stages, eq(stages.id, backups.stageId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(and(eq(backups.id, backupId), onOutpost))
      .for("update", { of: backups });
    if (!row) throw notFound(`Backup "${backupId}"`);
    return row.backup;
  }

  private async withStorages(db: Db | Tx, rows: BackupRow[]): Promise<Backup[]> {
    if (rows.length === 0) return [];
    const storages = await db
      .select()
      .from(backupStorages)
      .where(
        inArray(
          backupStorages.backupId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(backupStorages.name));
    return rows.map((r) =>
      toBackup(
        r,
        storages.filter((s) => s.backupId === r.id),
      ),
    );
  }
}

function toBackup(row: BackupRow, storages: { name: string; sha256: string | null }[]): Backup {
  return {
    id: row.id,
    displayName: row.displayName,
    state: row.state,
    message: row.message,
    size: row.size,
    createdAt: row.createdAt,
    restoreState: row.restoreState,
    restoreMessage: row.restoreMessage,
    storages: storages.map((s) => ({ name: s.name, ready: s.sha256 !== null })),
  };
}

/** A new generation, so that the agent is sent the Stage again (with its backups to take or restore); the Stage as updated. */
async function wakeAgent(ptx: ProjectTx, stageId: string): Promise<StageRow> {
  const [updated] = await ptx.tx
    .update(stages)
    .set({ generation: sql`${stages.generation} + 1` })
    .where(eq(stages.id, stageId))
    .returning();
  ptx.emit({ kind: EventKind.STAGE_UPDATED, stageId, payload: { stage: toStageSnapshot(updated!) } });
  return updated!;
}

/** A BACKUP_* event: the backup and its Stage as they are in this transaction (event-subject.ts reads them). */
function emitBackup(ptx: ProjectTx, kind: EventKind, stage: StageRow, backup: BackupRow): void {
  ptx.emit({ kind, stageId: stage.id, payload: { stage: toStageSnapshot(stage), backup: toBackupSnapshot(backup) } });
}

/** `<component>/<volume>` of every standard volume in the manifest of the Stage's newest active Release. */
async function standardStoragesOf(tx: Tx, stageId: string): Promise<string[]> {
  const [active] = await tx
    .select({ manifest: builds.manifest })
    .from(releases)
    .innerJoin(builds, eq(builds.id, releases.buildId))
    .where(and(eq(releases.stageId, stageId), inArray(releases.state, [...ACTIVE_RELEASE_STATES])))
    .orderBy(desc(releases.number))
    .limit(1);
  // In name order, as listed.
  return getStandardStorages(active?.manifest).sort();
}

/** Reads the (already validated) manifest JSON: volumes are standard unless `type: temporary`. */
export function getStandardStorages(manifest: unknown): string[] {
  const components = (manifest as { components?: { name: string; storage?: { name: string; type?: string }[] }[] } | undefined)?.components;
  return (components ?? []).flatMap((c) => (c.storage ?? []).filter((v) => v.type !== "temporary").map((v) => `${c.name}/${v.name}`));
}
