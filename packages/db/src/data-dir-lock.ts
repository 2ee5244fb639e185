/**
 * The lock on a PGlite data directory: one process at a time, and a holder that died (kill -9,
 * a crash) does not keep it. proper-lockfile alone only knows a lock is stale once its mtime
 * stops moving (seconds later); the holder's pid, written inside the lock directory, tells at once
 * whether it still runs. With it goes the process's start time (Linux, /proc): a container
 * restarted on the same volume often gets the same pid, which must not count as the old holder.
 * A lock without a pid yet is being taken: it counts as held.
 */
import { readFileSync } from "node:fs";
import { readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid?: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Pergola process${holderPid ? ` (pid ${holderPid})` : ""}. ` +
        `Stop it, or point PERGOLA_DATA_DIR at another directory.`,
    );
  }
}

export interface LockTiming {
  /** proper-lockfile's: a lock whose mtime is older than this counts as abandoned. */
  staleMs: number;
  /** How often the holder refreshes the mtime. */
  updateMs: number;
  /**
   * proper-lockfile found the lock's mtime not as it left it, or could not refresh it. Not fatal
   * here: the pid inside decides who holds the lock. Default: a line on stderr.
   */
  onCompromised(error: Error): void;
}

const DEFAULT_TIMING: LockTiming = {
  staleMs: 10 * 60_000,
  updateMs: 60_000,
  onCompromised: (error) => console.error(`The data directory's lock could not be refreshed (${error.message}); its pid still holds it.`),
};

/** Takes the lock on `dataDir`; resolves to its release. Throws DataDirLockedError when a live process holds it. */
export async function lockDataDir(dataDir: string, timing: Partial<LockTiming> = {}): Promise<() => Promise<void>> {
  const { staleMs, updateMs, onCompromised } = { ...DEFAULT_TIMING, ...timing };
  const lockfilePath = join(dataDir, "pergola.lock");
  const pidPath = join(lockfilePath, "pid");
  // The pid decides whether the holder lives; the mtime only covers a holder that died before
  // writing it. A short `stale` would also end a live process whose event loop stalled that long
  // (PGlite's first start blocks it for seconds), as proper-lockfile then counts its lock lost;
  // and proper-lockfile's default reaction to a lost lock is to throw where nothing can catch it.
  const take = () => lockfile.lock(dataDir, { lockfilePath, stale: staleMs, update: updateMs, realpath: false, onCompromised });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (error) {
    // ENOTEMPTY: proper-lockfile found the lock stale but cannot remove it (our pid is inside).
    if (!isHeld(error)) throw error;
    const holder = await readHolder(pidPath);
    if (holder === undefined || isAlive(holder)) throw new DataDirLockedError(dataDir, holder?.pid);
    // The holder is gone: its lock is ours to clear. A rival doing the same loses the race in `take`.
    await rm(lockfilePath, { recursive: true, force: true });
    try {
      release = await take();
    } catch (retry) {
      if (isHeld(retry)) throw new DataDirLockedError(dataDir);
      throw retry;
    }
  }
  // Writing the pid file changes the lock directory's mtime, which proper-lockfile compares with
  // the one it set at its next refresh ("Unable to update lock within the stale threshold"): it
  // is put back as it was.
  const { mtime } = await stat(lockfilePath);
  await writeFile(pidPath, [process.pid, startTimeOf(process.pid) ?? ""].join(" ").trim(), { mode: 0o600 });
  await utimes(lockfilePath, mtime, mtime);
  return async () => {
    // proper-lockfile removes its directory with rmdir: it must be empty.
    await rm(pidPath, { force: true });
    await release();
  };
}

function isHeld(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ELOCKED" || code === "ENOTEMPTY";
}

interface Holder {
  pid: number;
  /** When it started, in clock ticks since boot; unknown off Linux. */
  start?: string;
}

async function readHolder(pidPath: string): Promise<Holder | undefined> {
  const [pidText, start] = ((await readFile(pidPath, "utf8").catch(() => undefined)) ?? "").split(" ");
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, start: start || undefined } : undefined;
}

function isAlive({ pid, start }: Holder): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = startTimeOf(pid);
  return start === undefined || now === undefined || now === start;
}

/** Field 22 of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
