/**
 * Processes for the tests that run Pergola as `npm start` does (scripts/start.mjs): spawning it
 * with its output collected, waiting for its lines, the process tree it started (from /proc),
 * free ports, and a GraphQL client for the API it serves.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withTimeout } from "../../apps/api/src/testing/harness.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export { freePort } from "../../apps/api/src/testing/process.js";

/** Every live descendant of `pid`, from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/** Whether `pid` runs (a zombie is dead for our purposes). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  exited: Promise<Exit>;
  /** Resolves with the first match of `pattern` in the output; rejects if it exits first or after `ms`. */
  waitFor(pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray>;
  /** SIGTERM (if it still runs), then waits up to `ms` for it to exit. */
  stop(ms?: number): Promise<Exit>;
  /** SIGKILL to it, to every descendant and to their process groups (a Component is a group of its own). */
  kill(): Promise<void>;
}

/** Spawns `command` (cwd: the repository, unless `cwd`) with exactly `env`, collecting its output. */
export function spawnLogged(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Spawned {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, ms, what) {
      return withTimeout(
        new Promise<RegExpExecArray>((resolve, reject) => {
          const look = () => {
            const match = pattern.exec(output);
            if (match) resolve(match);
          };
          child.stdout!.on("data", look);
          child.stderr!.on("data", look);
          look();
          void exited.then(({ code }) => reject(new Error(`exited with ${code} before ${what}:\n${output}`)));
        }),
        ms,
        `${what} did not happen:\n${output}`,
      );
    },
    async stop(ms = 30_000) {
      if (running()) child.kill("SIGTERM");
      return withTimeout(exited, ms, `${command} ${args.join(" ")} did not stop within ${ms / 1000} s of SIGTERM:\n${output.slice(-4000)}`);
    },
    async kill() {
      if (!running()) return;
      for (const pid of descendants(child.pid!)) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // gone, or not a group leader
          }
        }
      }
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface PergolaProcess extends Spawned {
  /** The API's base URL (no path): `<api>/graphql`, `<api>/artifacts`. */
  api: string;
  /** The dashboard's base URL, when `dashboard` was asked for. */
  dashboard?: string;
}

/**
 * `node scripts/start.mjs …args` (or, with `npm`, `npm start -- …args`) with PATH,
 * PERGOLA_DATA_DIR=`dataDir`, PORT=0 and LOG_LEVEL=warn, then `env`; resolves once it printed
 * the API's URL (and the dashboard's, with `dashboard`). If it does not, it is stopped and the
 * error carries its output.
 */
export async function spawnPergola(options: {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  npm?: boolean;
  dashboard?: boolean;
  timeoutMs?: number;
}): Promise<PergolaProcess> {
  const args = options.args ?? [];
  const env = { PATH: process.env.PATH ?? "", PERGOLA_DATA_DIR: options.dataDir, PORT: "0", LOG_LEVEL: "warn", ...options.env };
  const run = options.npm
    ? spawnLogged("npm", ["start", "--", ...args], env)
    : spawnLogged(process.execPath, ["scripts/start.mjs", ...args], env);
  const timeoutMs = options.timeoutMs ?? 90_000;
  try {
    const api = (await run.waitFor(/Pergola API\s+(http:\/\/\S+?)\/graphql/, timeoutMs, "the API's URL"))[1]!;
    const dashboard = options.dashboard
      ? (await run.waitFor(/Dashboard\s+(http:\/\/\S+?)\/?(\s|$)/, timeoutMs, "the dashboard's URL"))[1]!
      : undefined;
    return { ...run, api, dashboard };
  } catch (error) {
    await run.stop().catch(() => run.kill());
    throw new Error(`npm start did not start: ${(error as Error).message.split("\n")[0]}\n--- npm start output ---\n${run.output()}`);
  }
}

export interface GraphQLBody {
  data?: any;
  errors?: { message: string; extensions?: any }[];
}

/** A GraphQL client of the API at `api` (base URL) with `token`: `raw` returns the errors, `gql` throws on them. */
export function graphqlClient(api: string, token: string) {
  const raw = async (query: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> => {
    const res = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLBody;
  };
  const gql = async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const body = await raw(query, variables);
    if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data as T;
  };
  return { raw, gql };
}
