/**
 * The data-dir lock knows whether its holder lives: a live one (here, this process) keeps it;
 * one that exited, or an earlier process that had the same pid (a restarted container), does not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
