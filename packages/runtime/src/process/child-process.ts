/**
 * One child process in its own process group (`detached: true`), so that signals sent to
 * `-pid` reach everything it started: a shell's children, a server's workers.
 */
import { spawn } from "node:child_process";
import { setPriority } from "node:os";
import type { LogBuffer } from "./log-buffer.js";
import { signalGroup, waitForGroupExit } from "./proc.js";

export interface Launch {
  /** A string is a shell line (`/bin/sh -c`), a list is the program and its arguments. */
  command: string | string[];
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Run as this user and group (the Stage's user); unset: the runtime's own. */
  uid?: number;
  gid?: number;
  /** The nice level to start at (ReleaseSpec.nice); unset: the runtime's own. */
  nice?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (no such program, bad cwd). */
  error?: string;
}

export interface ChildHandle {
  pid: number | null;
  /** Resolves once, when the process has exited and every process of its group is gone. */
  exited: Promise<Exit>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs: number): Promise<Exit>;
}

/** `command` + `args` as argv. A shell line gets the args as "$@", so they are passed unsplit and unexpanded. */
export function toArgv(command: string | string[], args: string[]): string[] {
  if (typeof command === "string") {
    return args.length === 0 ? ["/bin/sh", "-c", command] : ["/bin/sh", "-c", `${command} "$@"`, "sh", ...args];
  }
  return [...command, ...args];
}

/** SIGKILL is asynchronous: waits (at most `timeoutMs`) until the group is really gone. */
async function killGroup(pgid: number, timeoutMs = 2000): Promise<void> {
  signalGroup(pgid, "SIGKILL");
  await waitForGroupExit(pgid, timeoutMs);
}

export function startChild(launch: Launch, logs: LogBuffer): ChildHandle {
  const [program, ...argv] = toArgv(launch.command, launch.args);
  const child = spawn(program ?? "", argv, {
    cwd: launch.cwd,
    env: launch.env,
    ...(launch.uid !== undefined && { uid: launch.uid, gid: launch.gid }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid ?? null;
  // Set on the leader at once, before it has had time to start others: they inherit it.
  if (pid !== null && launch.nice) {
    try {
      setPriority(pid, launch.nice);
    } catch (error) {
      logs.write("stderr", `pergola: nice level ${launch.nice} not applied (${(error as Error).message})\n`);
    }
  }
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => logs.write("stdout", chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => logs.write("stderr", chunk));

  const exited = new Promise<Exit>((resolve) => {
    child.once("error", (error) => {
      // "error" without a pid: nothing was started and no "exit" follows.
      if (pid === null) resolve({ code: null, signal: null, error: error.message });
    });
    child.once("exit", (code, signal) => {
      // Whatever the leader left behind (grandchildren holding the port or the pipes) goes with
      // it, before anyone learns of the exit: a restart must not meet the old one on its port.
      void (pid === null ? Promise.resolve() : killGroup(pid)).then(() => {
        logs.flush("stdout");
        logs.flush("stderr");
        resolve({ code, signal });
      });
    });
  });

  let stopping: Promise<Exit> | undefined;
  const stop = (graceMs: number): Promise<Exit> => {
    stopping ??= (async () => {
      if (pid === null) return exited;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  return { pid, exited, stop };
}
