/** A real `pergola-agent` process (apps/agent/dist/cli.js) for an Outpost, as its host would run it. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PidRecords } from "../../../packages/runtime/src/process/pid-records.js";
import { ROOT } from "./pergola.js";

export interface OutpostAgent {
  child: ChildProcess;
  output(): string;
  /**
   * SIGKILL: the agent dies without a word, its socket closed by the kernel. Its Components
   * (process groups of their own, perhaps other users') are then reaped from its PID records, as
   * the next agent on that data dir would, before the data dir goes.
   */
  kill(): Promise<void>;
}

export function spawnOutpostAgent(server: string, token: string): OutpostAgent {
  const dataDir = mkdtempSync(join(tmpdir(), "pergola-e2e-outpost-"));
  const child = spawn(process.execPath, [join(ROOT, "apps/agent/dist/cli.js"), "--server", server, "--data-dir", dataDir], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", PERGOLA_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleaned = exited.then(async () => {
    await new PidRecords(join(dataDir, "runtime", "pids")).reap(2_000);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await cleaned;
    },
  };
}
