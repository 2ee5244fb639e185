/**
 * readTreeUsage on a real process tree: a parent that starts a child, which holds memory and
 * open files and burns CPU when told to. The tree's figures include the child's, CPU seconds
 * rise with the work, and a child that exits leaves its seconds counted (its parent waited for it).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { readTreeUsage } from "./proc-usage.js";
import { NODE } from "./process.test-utils.js";

const MIB = 1024 * 1024;

/** Holds 96 MiB (touched, so resident) and 40 open files; "burn" uses 0.5 s of CPU; "exit" exits. */
const CHILD = `
const fs = require("fs");
const held = Buffer.allocUnsafe(96 * 1024 * 1024).fill(7);
const files = Array.from({ length: 40 }, () => fs.openSync(process.execPath, "r"));
require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "burn") {
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 500_000) x += Math.sqrt(x + held[x % held.length]);
    console.log("burned");
  } else if (line === "exit") process.exit(0);
});
console.log("ready " + files.length);
`;

/** Starts CHILD, passes its lines both ways, says when it exited (it waits for it: its seconds go to cutime), and stays. */
const PARENT = `
const { spawn } = require("child_process");
const child = spawn(process.execPath, ["-e", ${JSON.stringify(CHILD)}], { stdio: ["pipe", "pipe", "inherit"] });
child.stdout.pipe(process.stdout);
process.stdin.pipe(child.stdin);
child.on("exit", () => console.log("child exited " + child.pid));
console.log("child " + child.pid);
setInterval(() => {}, 60_000);
`;

let parent: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  parent?.kill("SIGKILL");
});

/** The parent's output as a queue of lines: `until(prefix)` waits (with a timeout) for the next line starting with it. */
function lines(child: ChildProcessWithoutNullStreams) {
  const waiting: { prefix: string; resolve: (line: string) => void }[] = [];
  const seen: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const index = waiting.findIndex((w) => line.startsWith(w.prefix));
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(line);
    else seen.push(line);
  });
  return (prefix: string, ms = 10_000) => {
    const earlier = seen.findIndex((line) => line.startsWith(prefix));
    if (earlier >= 0) return Promise.resolve(seen.splice(earlier, 1)[0]!);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${prefix}" line within ${ms} ms`)), ms);
      waiting.push({
        prefix,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
}

describe("readTreeUsage", () => {
  it("sums CPU, memory and open files over a process and its descendants, and keeps an exited child's CPU seconds", async () => {
    parent = spawn(NODE, ["-e", PARENT], { stdio: ["pipe", "pipe", "inherit"] });
    const until = lines(parent);
    const childPid = Number((await until("child ")).split(" ")[1]);
    await until("ready");
    const root = parent.pid!;

    const before = readTreeUsage([root, childPid]);
    const tree = before.get(root)!;
    const childAlone = before.get(childPid)!;
    expect(tree.processes).toBe(2);
    expect(childAlone.processes).toBe(1);
    // The child's 96 MiB count in its parent's tree; the parent alone holds far less.
    expect(childAlone.memoryBytes).toBeGreaterThan(96 * MIB);
    expect(tree.memoryBytes).toBeGreaterThan(childAlone.memoryBytes);
    expect(tree.memoryBytes - childAlone.memoryBytes).toBeLessThan(96 * MIB);
    expect(childAlone.openFiles).toBeGreaterThanOrEqual(40);
    expect(tree.openFiles).toBeGreaterThan(childAlone.openFiles);
    expect(tree.rootAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(tree.rootAgeSeconds).toBeLessThan(60);

    parent.stdin.write("burn\n");
    await until("burned");
    const burned = readTreeUsage([root]).get(root)!;
    expect(burned.cpuSecondsTotal - tree.cpuSecondsTotal).toBeGreaterThanOrEqual(0.45);
    expect(burned.rootStartTime).toBe(tree.rootStartTime);

    parent.stdin.write("exit\n");
    await until("child exited");
    const after = readTreeUsage([root, childPid]);
    expect(after.has(childPid)).toBe(false);
    const alone = after.get(root)!;
    expect(alone.processes).toBe(1);
    expect(alone.memoryBytes).toBeLessThan(tree.memoryBytes - 90 * MIB);
    // The parent waited for its child: the child's seconds are in its cutime/cstime now.
    expect(alone.cpuSecondsTotal).toBeGreaterThanOrEqual(burned.cpuSecondsTotal);
  });

  it("has no entry for a process that does not run, and none for no roots", () => {
    expect(readTreeUsage([2 ** 22 + 1]).size).toBe(0);
    expect(readTreeUsage([]).size).toBe(0);
  });
});
