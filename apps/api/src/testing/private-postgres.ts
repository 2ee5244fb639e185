/**
 * A PostgreSQL server of a test's own, from Debian's binaries, for tests that stop and start
 * it (the machine's shared server serves other tests meanwhile). It runs as the `postgres` OS
 * user on a free port, its data in a temporary directory, and is removed by `destroy()`.
 */
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../../test/support/processes.js";

const run = promisify(execFile);

export interface PrivatePostgres {
  url: string;
  /** A fast shutdown: connections are closed, committed data stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Whether this machine can run one: Debian's PostgreSQL binaries and root (to act as `postgres`). */
export function canRunPrivatePostgres(): boolean {
  return userInfo().uid === 0 && binDir() !== undefined;
}

function binDir(): string | undefined {
  const versions = (() => {
    try {
      return readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    } catch {
      return [];
    }
  })();
  return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : undefined;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  if (!bin) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql");
  const root = mkdtempSync(join(tmpdir(), "pergola-pg-"));
  const idOf = async (flag: string) => Number((await run("id", [flag, "postgres"])).stdout);
  chownSync(root, await idOf("-u"), await idOf("-g"));
  const data = join(root, "data");
  const port = await freePort();
  const asPostgres = (command: string, args: string[]) =>
    run("runuser", ["-u", "postgres", "--", join(bin, command), ...args], { cwd: root });
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-o", options, "-l", join(root, "log"), "-w", "-t", "30", "start"]);
  };
  const stop = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
