/**
 * Stage users: a tenant's code is a trust boundary. When the runtime runs as root, each Stage's
 * Components run as an unprivileged system user of that Stage's own (`pergola-s-<hash of the
 * Stage's id>`), created once with `useradd` and reused by every later start, Release and agent.
 * Such a process cannot read the environment of the agent, the API or another Stage's processes
 * (`/proc/<pid>/environ` is readable by the same user only), nor their 0700 directories.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

export interface StageUser {
  name: string;
  uid: number;
  gid: number;
}

export const DEFAULT_STAGE_USER_PREFIX = "pergola-s-";

/** `<prefix><12 hex digits of SHA-256(stageId)>`: stable per Stage, at most 32 characters with the default prefix. */
export function getStageUserName(stageId: string, prefix = DEFAULT_STAGE_USER_PREFIX): string {
  return `${prefix}${createHash("sha256").update(stageId).digest("hex").slice(0, 12)}`;
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== "number" ? error.message : "") });
    });
  });
}

/** `getent passwd <name>` → the user, or undefined when there is none. */
export async function findUser(name: string): Promise<StageUser | undefined> {
  const { code, stdout } = await run("getent", ["passwd", name]);
  if (code !== 0) return undefined;
  const [, , uid, gid] = stdout.trim().split(":");
  if (uid === undefined || gid === undefined) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}

const NOLOGIN = ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false"].find((shell) => existsSync(shell)) ?? "/bin/false";

/** SIGKILL to every process whose real or effective uid is `uid` (read from /proc). */
export async function killProcessesOf(uid: number): Promise<number> {
  let killed = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // Gone meanwhile: nothing to read, nothing to kill.
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const ids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    if (!ids || (Number(ids[1]) !== uid && Number(ids[2]) !== uid)) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
      killed++;
    } catch {
      // Exited between the read and the signal.
    }
  }
  return killed;
}

export class StageUsers {
  private readonly known = new Map<string, Promise<StageUser>>();

  constructor(private readonly prefix = DEFAULT_STAGE_USER_PREFIX) {}

  /** The Stage's user, created when it does not exist yet (no home, no login shell, a group of its own). */
  ensure(stageId: string): Promise<StageUser> {
    const name = getStageUserName(stageId, this.prefix);
    let user = this.known.get(name);
    if (!user) {
      user = this.create(name);
      this.known.set(name, user);
      // A failure is not remembered: the next apply tries again.
      user.catch(() => this.known.delete(name));
    }
    return user;
  }

  /**
   * Deletes the Stage's user and its group — a purged Stage's, once its Components are stopped
   * and its directories gone. A process still running as the user (one that left its Component's
   * process group) is killed first. A user that does not exist is no error (removed already, or
   * never made).
   */
  async remove(stageId: string): Promise<void> {
    const name = getStageUserName(stageId, this.prefix);
    this.known.delete(name);
    const user = await findUser(name);
    if (!user) return;
    if (user.uid === 0 || user.uid === process.getuid?.()) throw new Error(`refusing to delete ${name}: it has uid ${user.uid}`);
    await killProcessesOf(user.uid);
    const removed = await run("userdel", [name]);
    // 6: no such user (another agent removed it first). 8 (still logged in) means a process of it runs.
    if (removed.code !== 0 && removed.code !== 6) {
      throw new Error(
        `cannot delete the Stage's user ${name} (userdel exited with ${removed.code}: ${removed.stderr.trim() || "no output"})`,
      );
    }
  }

  private async create(name: string): Promise<StageUser> {
    const existing = await findUser(name);
    if (existing) return existing;
    const added = await run("useradd", [
      "--system",
      // Not the system range (100–999 on Debian: a few hundred Stages would exhaust it, and the
      // distribution's own services need it): 20000–59999, below the ranges of /etc/subuid.
      ...["SYS_UID_MIN=20000", "SYS_UID_MAX=59999", "SYS_GID_MIN=20000", "SYS_GID_MAX=59999"].flatMap((key) => ["-K", key]),
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      NOLOGIN,
      "--user-group",
      "--comment",
      "Pergola Stage",
      name,
    ]);
    // 9: another agent (or a concurrent call) created it first.
    if (added.code !== 0 && added.code !== 9) {
      throw new Error(`cannot create the Stage's user ${name} (useradd exited with ${added.code}: ${added.stderr.trim() || "no output"})`);
    }
    const user = await findUser(name);
    if (!user) throw new Error(`cannot find the Stage's user ${name} after useradd`);
    if (user.uid === 0 || user.gid === 0) throw new Error(`the Stage's user ${name} has uid or gid 0; refusing to run as it`);
    return user;
  }
}
