/** Small helpers shared by the benchmarks: bounded waits, child processes, percentiles, tables. */
import { fork } from "node:child_process";
import { createInterface } from "node:readline";

export class BenchError extends Error {
  name = "BenchError";
}

/** A promise that rejects with `message` after `ms`, and its cancel. */
function timeout(ms, message) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new BenchError(`${typeof message === "function" ? message() : message} (timed out after ${ms} ms)`)),
      ms,
    );
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * A run's failure channel: anything that breaks asynchronously (a child dies, a socket closes,
 * a subscriber gets an error) calls `fail(error)`, and every `wait` racing it rejects at once.
 */
export function createRun() {
  let reject;
  let failure;
  const failed = new Promise((_, r) => (reject = r));
  failed.catch(() => {});
  return {
    fail(error) {
      if (failure) return;
      failure = error instanceof Error ? error : new BenchError(String(error));
      reject(failure);
    },
    get failure() {
      return failure;
    },
    /** Waits for `promise`, at most `ms`, and not past a failure. `message`: a string or a function giving one. */
    async wait(promise, ms, message) {
      const t = timeout(ms, message);
      try {
        return await Promise.race([promise, t.promise, failed]);
      } finally {
        t.cancel();
      }
    },
  };
}

let requestIds = 0;

/**
 * Forks a benchmark server (bench/lib/*-server.mjs) and waits for the JSON line with its URL.
 * Returns `{ info, pid, stats({ gc }), startProfile(), stopProfile(path), close() }`.
 * An unexpected exit calls `run.fail`.
 */
export async function startChild(run, script, { name, env, execArgv = [], startTimeoutMs = 60_000 }) {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv: ["--expose-gc", ...execArgv],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  let closing = false;
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(({ code, signal }) => {
    if (!closing) run.fail(new BenchError(`${name} server (pid ${child.pid}) exited unexpectedly (code ${code}, signal ${signal})`));
  });
  child.on("error", (error) => {
    if (!closing) run.fail(new BenchError(`${name} server (pid ${child.pid}): ${error.message}`));
  });
  const pending = new Map();
  child.on("message", (message) => {
    if (message?.type !== "reply") return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise((resolve) => {
    lines.on("line", (line) => {
      try {
        const info = JSON.parse(line);
        if (info && typeof info.wsUrl === "string") return resolve(info);
      } catch {}
      process.stderr.write(`[${name}] ${line}\n`);
    });
  });
  const request = async (type, fields = {}, ms = 10_000) => {
    const id = ++requestIds;
    const reply = new Promise((resolve) => pending.set(id, resolve));
    child.send({ type, id, ...fields });
    const answer = await run.wait(reply, ms, `${name} server did not answer "${type}"`);
    if (answer.error) throw new BenchError(`${name} server failed "${type}": ${answer.error}`);
    return answer;
  };
  const handle = {
    pid: child.pid,
    info: undefined,
    /** `{ cpu: { user, system } µs, memory: process.memoryUsage() }`, after a full GC when `gc`. */
    stats: ({ gc = false } = {}) => request("stats", { gc }),
    startProfile: () => request("profile-start"),
    stopProfile: (path) => request("profile-stop", { path }, 60_000),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      closing = true;
      if (child.connected) child.send({ type: "close" });
      else child.kill("SIGTERM");
      const t = timeout(15_000, "");
      try {
        await Promise.race([exited, t.promise]);
      } catch {
        child.kill("SIGKILL");
        await exited;
      } finally {
        t.cancel();
      }
    },
  };
  try {
    handle.info = await run.wait(ready, startTimeoutMs, `${name} server did not start`);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function sortNumbers(values) {
  return Float64Array.from(values).sort();
}

/** Plain text table; the first column left-aligned, the others right-aligned. */
export function formatTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function fmt(value, digits = 1) {
  if (value === undefined || value === null || Number.isNaN(value)) return "n/a";
  return value.toFixed(digits);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
