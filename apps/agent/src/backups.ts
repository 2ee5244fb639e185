/**
 * Backups and restores of a Stage's standard storages (README "Backups"), apart from the
 * transport: the Reconciler calls `restore` before it applies a Stage's desired state and
 * `backup` after.
 *
 * A backup is a tar.gz per storage (`<component>/<volume>`), made in a temporary file beside the
 * Stage's storage, hashed (SHA-256) and uploaded to `POST /backups/<id>/storages/<storage>` with
 * the hash, which the API checks against what it received. A storage of a running Stage is read
 * as it is (crash-consistent: what a sudden power cut would leave). Any failure is reported
 * (`reportBackup`), and the API marks the backup FAILED: it never becomes READY.
 *
 * A restore (asked only of a suspended Stage) first downloads, verifies and unpacks every
 * storage's archive into a directory beside it (fetchArtifact: the archive rules, SHA-256), and
 * only then swaps each in by rename: a failure before the swaps leaves every storage as it was.
 * The restored files belong to whoever owns the Stage's storage: its own user, when the agent
 * runs Stages as users of their own.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { lchown, lstat, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { chownTree, fetchArtifact, getStageDirs, type ArchiveLimits } from "@pergola/runtime";
import type { BackupReport, DesiredStage } from "./desired-state.js";
import type { AgentLogger } from "./ports.js";

export interface StageBackupsOptions {
  /** The process runtime's data dir: a Stage's storage is under getStageDirs(dataDir, key).storage. */
  runtimeDataDir: string;
  /** The API's URL (uploads and downloads go to it with `token`). */
  serverUrl: string;
  token: string;
  /** Sends `reportBackup`; rejects when it could not be sent. */
  report(report: BackupReport): Promise<unknown>;
  logger: AgentLogger;
  /** Limits on a restored archive once inflated (default DEFAULT_ARCHIVE_LIMITS). */
  limits?: Partial<ArchiveLimits>;
}

const STORAGE_NAME = /^[^/.][^/]*\/[^/.][^/]*$/;

/**
 * Gives a restored storage (and its Component's directory) to the owner of the Stage's storage
 * directory when that is not the agent: the Stage's user, who must read and write it. Unpacked
 * by the agent, it is the agent's until then.
 */
async function giveTo(owner: { uid: number; gid: number }, target: string): Promise<void> {
  if (owner.uid === process.getuid?.() && owner.gid === process.getgid?.()) return;
  await lchown(dirname(target), owner.uid, owner.gid);
  await chownTree(target, owner);
}

export class StageBackups {
  /** Backups taken (by id) and restores done (`<backup>@<generation>`), so a repeated desired state does not repeat them. */
  private readonly done = new Set<string>();

  constructor(private readonly options: StageBackupsOptions) {}

  /** Puts a backup back, if the (suspended) Stage asks for one. Never throws: failures are reported. */
  async restore(stage: DesiredStage): Promise<void> {
    const wanted = stage.restore;
    if (!wanted || !stage.suspended) return;
    const key = `${wanted.backup}@${stage.generation}`;
    if (this.done.has(key)) return;
    const storageDir = getStageDirs(this.options.runtimeDataDir, stage.key).storage;
    const work = join(storageDir, `.restore-${randomUUID()}`);
    let error: string | null = null;
    try {
      const unpacked: { target: string; from: string }[] = [];
      for (const [index, storage] of wanted.storages.entries()) {
        const target = this.storagePath(storageDir, storage.name);
        const from = await fetchArtifact({
          serverUrl: this.options.serverUrl,
          token: this.options.token,
          sha256: storage.sha256,
          // One dir each: two storages with the same archive need two copies.
          cacheDir: join(work, String(index)),
          limits: this.options.limits,
        });
        unpacked.push({ target, from });
      }
      // Every archive is verified and unpacked: now the swaps, one rename each.
      const owner = await lstat(storageDir);
      for (const { target, from } of unpacked) {
        const old = join(work, `old-${randomUUID()}`);
        await mkdir(join(target, ".."), { recursive: true });
        const existed = await rename(target, old).then(
          () => true,
          (e: NodeJS.ErrnoException) => {
            if (e.code === "ENOENT") return false;
            throw e;
          },
        );
        try {
          await rename(from, target);
        } catch (e) {
          if (existed) await rename(old, target);
          throw e;
        }
        await giveTo(owner, target);
      }
      this.options.logger.info({ stage: stage.key, backup: wanted.backup }, "backup restored");
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.options.logger.error({ stage: stage.key, backup: wanted.backup, reason: error }, "restore failed; the storage is as it was");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    if (await this.send({ backup: wanted.backup, operation: "RESTORE", error })) this.done.add(key);
  }

  /** Takes each backup the Stage asks for and has not been taken. Never throws: failures are reported. */
  async backup(stage: DesiredStage): Promise<void> {
    for (const wanted of stage.backups) {
      if (this.done.has(wanted.id)) continue;
      const storageDir = getStageDirs(this.options.runtimeDataDir, stage.key).storage;
      let error: string | null = null;
      try {
        for (const name of wanted.storages) await this.upload(wanted.id, storageDir, name);
        this.options.logger.info({ stage: stage.key, backup: wanted.id }, "backup taken");
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        this.options.logger.error({ stage: stage.key, backup: wanted.id, reason: error }, "backup failed");
      }
      // Done: the API has every archive (READY); failed: it hears so (FAILED).
      if (error === null || (await this.send({ backup: wanted.id, operation: "BACKUP", error }))) this.done.add(wanted.id);
    }
  }

  private storagePath(storageDir: string, name: string): string {
    if (!STORAGE_NAME.test(name)) throw new Error(`not a storage name: ${name}`);
    return join(storageDir, ...name.split("/"));
  }

  private async upload(backupId: string, storageDir: string, name: string): Promise<void> {
    const source = this.storagePath(storageDir, name);
    await mkdir(source, { recursive: true });
    const file = join(storageDir, `.backup-${randomUUID()}.tar.gz`);
    try {
      const tar = await import("tar");
      await tar.c({ gzip: true, cwd: source, file, portable: true }, ["."]);
      const hash = createHash("sha256");
      await pipeline(createReadStream(file), hash);
      const sha256 = hash.digest("hex");
      const { size } = await stat(file);
      const url = `${this.options.serverUrl.replace(/\/+$/, "")}/backups/${encodeURIComponent(backupId)}/storages/${name
        .split("/")
        .map(encodeURIComponent)
        .join("/")}?sha256=${sha256}`;
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.token}`, "content-length": String(size), "content-type": "application/gzip" },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: "half",
      } as RequestInit);
      if (res.status !== 201) throw new Error(`storage ${name}: the server answered ${res.status}: ${await res.text()}`);
    } finally {
      await rm(file, { force: true });
    }
  }

  private async send(report: BackupReport): Promise<boolean> {
    try {
      await this.options.report(report);
      return true;
    } catch (e) {
      this.options.logger.warn(
        { backup: report.backup, err: e },
        "could not report on the backup; it is retried with the next desired state",
      );
      return false;
    }
  }
}
