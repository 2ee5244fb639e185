/**
 * PID records: one small file per running Component process under `<dataDir>/pids/`. When the
 * runtime's own process dies without stopping its children (SIGKILL, the OOM killer), they
 * live on as orphans; the next runtime on the same data dir reads the records and stops them
 * before it starts anything, so nothing runs twice and nothing is left behind.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readProcStat, signalGroup, waitForGroupExit } from "./proc.js";

export interface PidRecord {
  pid: number;
  /** Its process group, which is the pid: each process is started as the leader of its own group. */
  pgid: number;
  /** `/proc/<pid>/stat` field 22 at start; null without /proc (such a record is never acted on). */
  startTime: string | null;
  stageKey: string;
  component: string;
  releaseId: string;
  /** ISO time, for people reading the file. */
  startedAt: string;
}

/**
 * What `reap` did with a record:
 * - `stopped`: the group exited within the grace after SIGTERM; `killed`: SIGKILL after the grace;
 * - `gone`: the process had exited already;
 * - `recycled`: the pid is another process now (another start time), which is left alone;
 * - `unverified`: no start time was recorded to tell, so it is left alone;
 * - `unreadable`: not a record (a write cut short by the crash); deleted.
 */
export type ReapOutcome = "stopped" | "killed" | "gone" | "recycled" | "unverified" | "unreadable";

export interface ReapedProcess {
  /** The record's file name under the pids dir. */
  file: string;
  record: PidRecord | null;
  outcome: ReapOutcome;
}

/** How long a group gets to disappear after SIGKILL (signals are delivered asynchronously). */
const KILL_WAIT_MS = 2000;

export class PidRecords {
  constructor(readonly dir: string) {}

  /**
   * Records a process that was just started; returns the function that deletes the record once
   * the process (and its group) has exited. A record that cannot be written only loses the
   * clean-up after a crash, so it never fails the start.
   */
  add(entry: Pick<PidRecord, "pid" | "stageKey" | "component" | "releaseId">): () => void {
    // Read now, while the child cannot have been reaped: its /proc entry exists from the fork on.
    const startTime = readProcStat(entry.pid)?.startTime ?? null;
    // The group id is the pid by construction (`detached` makes the child call setsid()). /proc
    // could still show the parent's group here, if the child has not reached setsid() yet.
    const record: PidRecord = { ...entry, pgid: entry.pid, startTime, startedAt: new Date().toISOString() };
    // With the start time in the name, a pid used again later can never share a file name.
    const file = join(this.dir, `${entry.pid}-${startTime ?? Date.now()}.json`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Written whole, then renamed: a crash mid-write leaves a .tmp, never a torn record.
      writeFileSync(`${file}.tmp`, JSON.stringify(record));
      renameSync(`${file}.tmp`, file);
    } catch {
      return () => undefined;
    }
    return () => removeFile(file);
  }

  /**
   * Stops every process a previous runtime recorded and deletes every record. A verified
   * process (same pid and start time) gets SIGTERM to its group, `graceMs` to exit, then
   * SIGKILL. All records are handled at once, so this takes at most about `graceMs` + 2 s.
   */
  async reap(graceMs: number): Promise<ReapedProcess[]> {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return Promise.all(
      files.map(async (file) => {
        const path = join(this.dir, file);
        const record = readRecord(path);
        const outcome = record ? await reapProcess(record, graceMs) : "unreadable";
        removeFile(path);
        return { file, record, outcome };
      }),
    );
  }
}

async function reapProcess(record: PidRecord, graceMs: number): Promise<ReapOutcome> {
  const stat = readProcStat(record.pid);
  if (stat === undefined || stat.state === "Z") return "gone";
  if (record.startTime === null) return "unverified";
  // Another start time, or a process no longer leading its group: the pid was recycled; the
  // process that has it now is someone else's. Signalling our own group would stop ourselves.
  if (stat.startTime !== record.startTime || stat.pgrp !== record.pgid || record.pid === process.pid) return "recycled";
  signalGroup(record.pgid, "SIGTERM");
  if (await waitForGroupExit(record.pgid, graceMs)) return "stopped";
  signalGroup(record.pgid, "SIGKILL");
  await waitForGroupExit(record.pgid, KILL_WAIT_MS);
  return "killed";
}

/** The record in `path`, or null when it is not one we wrote (pids ≤ 1 would signal everything or ourselves). */
function readRecord(path: string): PidRecord | null {
  let value: Partial<PidRecord>;
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as Partial<PidRecord>;
  } catch {
    return null;
  }
  const { pid, pgid, startTime } = value;
  if (!Number.isInteger(pid) || (pid as number) <= 1 || pgid !== pid) return null;
  if (startTime !== null && typeof startTime !== "string") return null;
  return value as PidRecord;
}

function removeFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // A record left behind is harmless: the next recovery finds its process gone or recycled.
  }
}
