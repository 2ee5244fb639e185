/**
 * As root, the in-process agent of a test can run each Stage as a user of its own, as
 * `pergola-agent` does on a real host. The users get a prefix of the test file's own and are
 * deleted after the file (the ones a purge has not deleted already).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { getStageUserName } from "../../packages/runtime/src/process/stage-users.js";
import { FAST_RUNTIME, type StackOptions } from "./stack.js";

export interface TestStageUsers {
  /** Whether Stages run as users of their own (only as root). */
  enabled: boolean;
  /** For startStack: the agent's runtime, with Stage users when enabled. */
  runtime: NonNullable<StackOptions["runtime"]>;
  /** The Stage's user's name; the user is deleted after the file. */
  userOf(stageId: string): string;
}

export function useTestStageUsers(): TestStageUsers {
  const enabled = process.getuid?.() === 0;
  const prefix = `pgt-${randomBytes(2).toString("hex")}-`;
  const names = new Set<string>();
  afterAll(() => {
    for (const name of names) {
      try {
        execFileSync("userdel", [name], { stdio: "ignore" });
      } catch {
        // Deleted already (a purge), or never made.
      }
    }
  });
  return {
    enabled,
    runtime: enabled ? { ...FAST_RUNTIME, runAs: "stage-user", stageUserPrefix: prefix } : FAST_RUNTIME,
    userOf(stageId) {
      const name = getStageUserName(stageId, prefix);
      names.add(name);
      return name;
    },
  };
}
