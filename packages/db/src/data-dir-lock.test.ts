/**
 * The data-dir lock knows whether its holder lives: a live one (here, this process) keeps it;
 * one that exited, or an earlier process that had the same pid (a restarted container), does not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "./data-dir-lock.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pergola-lock-"));
  dirs.push(dir);
  return dir;
}

/** The lock as a process that died left it: proper-lockfile's directory, fresh, with `holder` as its pid file. */
function abandonedLock(dataDir: string, holder: string): void {
  mkdirSync(join(dataDir, "pergola.lock"));
  writeFileSync(join(dataDir, "pergola.lock", "pid"), holder);
}

describe("lockDataDir", () => {
  it("refuses a second taker while the holder lives, naming its pid", async () => {
    const dataDir = newDataDir();
    const release = await lockDataDir(dataDir);
    const refused = await lockDataDir(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as DataDirLockedError).message).toContain(`in use by another Pergola process (pid ${process.pid})`);
    await release();
    await (await lockDataDir(dataDir))();
  });

  it("takes at once a lock whose holder has exited", async () => {
    const dataDir = newDataDir();
    const { pid } = spawnSync(process.execPath, ["-e", ""]);
    abandonedLock(dataDir, String(pid));
    await (await lockDataDir(dataDir))();
  });

  it("takes a lock left by an earlier process that had this very pid", async () => {
    const dataDir = newDataDir();
    abandonedLock(dataDir, `${process.pid} 1`);
    await (await lockDataDir(dataDir))();
  });
});

describe("holding the lock", () => {
  it("keeps refreshing it: the pid written inside does not make proper-lockfile count it lost", async () => {
    const dataDir = newDataDir();
    const compromised: Error[] = [];
    const release = await lockDataDir(dataDir, { updateMs: 50, staleMs: 5_000, onCompromised: (error) => compromised.push(error) });
    const lock = join(dataDir, "pergola.lock");
    // Three refreshes seen (each moves the directory's mtime), then no report of a lost lock.
    const seen = new Set<number>([statSync(lock).mtimeMs]);
    const deadline = Date.now() + 10_000;
    while (seen.size < 4 && compromised.length === 0) {
      if (Date.now() > deadline) throw new Error(`timed out: ${seen.size - 1} refreshes seen`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.add(statSync(lock).mtimeMs);
    }
    expect(compromised).toEqual([]);
    await release();
  });
});
