/**
 * What Linux's /proc says about processes: their state, process group and start time. The
 * runtime cannot wait on processes that are not its children (a group's grandchildren, or
 * orphans of a crashed runtime), so it looks them up here.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), T… */
  state: string;
  /** The process group id. */
  pgrp: number;
  /**
   * Field 22, `starttime`: clock ticks after boot when the process started. With the pid it
   * names one process for the host's uptime: a recycled pid has a later start time.
   */
  startTime: string;
}

/** `/proc/<pid>/stat`, parsed; undefined when there is no such process (or no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so split after the last ")".
  // The rest starts at field 3: field n is at index n - 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** Whether `pid` runs (a zombie, killed and waiting to be reaped, does not). */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/**
 * Whether a process of group `pgid` still runs. A zombie does not count: in a container whose
 * PID 1 does not reap, a killed grandchild stays a zombie forever. Without /proc, any member counts.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return entries.some((pid) => {
    const stat = readProcStat(Number(pid));
    return stat !== undefined && stat.pgrp === pgid && stat.state !== "Z";
  });
}

/** Signals a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * Waits (at most `timeoutMs`) until group `pgid` is gone; true when it is. Polls, because a
 * process that is not our child sends us no exit event.
 */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
