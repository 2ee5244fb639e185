/**
 * What a process tree uses, read from Linux's /proc: CPU seconds, resident memory and open
 * files, summed over a root process and all its descendants (found by each process's parent
 * pid, so a child that left the root's process group still counts). The runtime's processes
 * run as other users (the Stages' own): a process whose files cannot be read (EACCES) or that
 * exits while it is read (ENOENT, ESRCH) is counted as far as it could be read, quietly.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface TreeUsage {
  /**
   * User and system CPU seconds of the tree's live processes, plus those of the descendants
   * they have waited for (`cutime`, `cstime`): a short-lived child's seconds stay counted
   * after it exits. Drops when the root is restarted (a new tree).
   */
  cpuSecondsTotal: number;
  /** The sum of the processes' resident set sizes (pages shared between them count once per process). */
  memoryBytes: number;
  /** Open file descriptors (files, sockets, pipes) of all its processes. */
  openFiles: number;
  /** How many processes the tree has. */
  processes: number;
  /** Seconds since the root process started (host uptime minus its start time). */
  rootAgeSeconds: number;
  /** The root's `starttime` (clock ticks after boot): with the pid it names one process. */
  rootStartTime: string;
}

interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  rssPages: number;
  startTime: string;
}

let systemUnits: { ticksPerSecond: number; pageSize: number } | undefined;

/** `getconf CLK_TCK` and `PAGESIZE`, once; 100 and 4096 (what Linux on x86-64 and arm64 use) if getconf cannot say. */
function getSystemUnits(): { ticksPerSecond: number; pageSize: number } {
  if (!systemUnits) {
    const ask = (name: string, fallback: number) => {
      try {
        const value = Number(execFileSync("getconf", [name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
        return Number.isInteger(value) && value > 0 ? value : fallback;
      } catch {
        return fallback;
      }
    };
    systemUnits = { ticksPerSecond: ask("CLK_TCK", 100), pageSize: ask("PAGESIZE", 4096) };
  }
  return systemUnits;
}

/** `/proc/<pid>/stat`'s fields we need; undefined when the process is gone (or a zombie: it holds nothing). */
function readEntry(pid: number): ProcEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; field n is at index n - 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields.length < 22) return undefined;
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    ppid: field(4),
    ticks: field(14) + field(15) + field(16) + field(17),
    rssPages: field(24),
    startTime: fields[22 - 3]!,
  };
}

function countOpenFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    // EACCES (another user's process, the agent not root) or ENOENT (it just exited).
    return 0;
  }
}

function readUptimeSeconds(): number {
  try {
    return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

/**
 * The usage of each tree rooted at one of `roots`, by root pid; a root that is not running
 * has no entry. One pass over /proc serves every root, so sampling all Components of a host
 * costs one read of each process's stat (and fd list, for the processes in the trees).
 */
export function readTreeUsage(roots: readonly number[]): Map<number, TreeUsage> {
  const result = new Map<number, TreeUsage>();
  if (roots.length === 0) return result;
  let names: string[];
  try {
    names = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return result;
  }
  const entries = new Map<number, ProcEntry>();
  const children = new Map<number, number[]>();
  for (const name of names) {
    const entry = readEntry(Number(name));
    if (!entry) continue;
    entries.set(entry.pid, entry);
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry.pid);
    else children.set(entry.ppid, [entry.pid]);
  }
  const { ticksPerSecond, pageSize } = getSystemUnits();
  const uptime = readUptimeSeconds();
  for (const root of roots) {
    const rootEntry = entries.get(root);
    if (!rootEntry) continue;
    let ticks = 0;
    let pages = 0;
    let openFiles = 0;
    let processes = 0;
    const stack = [root];
    const seen = new Set<number>();
    for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
      const entry = entries.get(pid);
      if (!entry || seen.has(pid)) continue;
      seen.add(pid);
      ticks += entry.ticks;
      pages += entry.rssPages;
      openFiles += countOpenFiles(pid);
      processes += 1;
      stack.push(...(children.get(pid) ?? []));
    }
    result.set(root, {
      cpuSecondsTotal: ticks / ticksPerSecond,
      memoryBytes: pages * pageSize,
      openFiles,
      processes,
      rootAgeSeconds: Math.max(0, uptime - Number(rootEntry.startTime) / ticksPerSecond),
      rootStartTime: rootEntry.startTime,
    });
  }
  return result;
}
