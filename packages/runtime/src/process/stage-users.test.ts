/**
 * `runAs: "stage-user"`: each Stage's Components run as a user of their own, in directories of
 * their own, and can read neither another Stage's nor the runtime's. Needs root (the test
 * machine runs as root); elsewhere it is skipped, and says why.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { findUser, getStageUserName, StageUsers } from "./stage-users.js";
import { createSandbox, createSpec, FAST, inState, NODE, waitForStatus, type Sandbox } from "./process.test-utils.js";

const isRoot = process.getuid?.() === 0;
const prefix = `pgt-${randomBytes(2).toString("hex")}-`;
const stageIds: string[] = [];

/** Prints what the process is and what it can reach, as one JSON line. */
const PROBE_JS = `
const fs = require("fs");
const tryRead = (p) => { try { return fs.readdirSync(p).length >= 0 ? "readable" : ""; } catch (e) { return e.code; } };
fs.writeFileSync(process.env.PERGOLA_STORAGE_DATA + "/mine.txt", "secret of " + process.env.WHO);
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), env: process.env,
  other: tryRead(process.env.OTHER_STORAGE), pids: tryRead(process.env.PIDS_DIR), app: fs.readFileSync("app.txt", "utf8"),
}));
`;

let sandbox: Sandbox | undefined;
afterEach(async () => sandbox?.dispose());
afterAll(() => {
  for (const id of stageIds) {
    try {
      execFileSync("userdel", [getStageUserName(id, prefix)], { stdio: "ignore" });
    } catch {
      // Not created (a failed test): nothing to remove.
    }
  }
});

describe.skipIf(!isRoot)("Components as Stage users", () => {
  it("runs each Stage as its own unprivileged user, in its own copy of the app, with private directories", async () => {
    sandbox = createSandbox({ ...FAST, runAs: "stage-user", stageUserPrefix: prefix });
    // mkdtemp made it 0700: the Stage users must pass through it to reach their directories.
    chmodSync(sandbox.root, 0o711);
    sandbox.writeApp({ "probe.js": PROBE_JS, "app.txt": "the app" });
    const manifest = (who: string) => ({
      version: "v1",
      components: [
        {
          name: "probe",
          command: [NODE, "probe.js"],
          scheduled: "@release",
          env: [
            { name: "WHO", value: who },
            { name: "OTHER_STORAGE", value: join(sandbox!.dataDir, "storage", "shop", who === "a" ? "b" : "a") },
            { name: "PIDS_DIR", value: join(sandbox!.dataDir, "pids") },
          ],
          storage: [{ name: "data", path: "/data", size: "1Gi" }],
        },
      ],
    });
    const out: Record<string, any> = {};
    for (const who of ["a", "b"]) {
      const stageId = `stage-${who}-${randomBytes(4).toString("hex")}`;
      stageIds.push(stageId);
      const spec = createSpec(sandbox, manifest(who), { stageKey: `shop/${who}`, stageId });
      await sandbox.runtime.apply(spec);
      const done = await waitForStatus(sandbox.runtime, spec.stageKey, "probe", inState("COMPLETED", "FAILED"));
      const line = sandbox.runtime.logs(spec.stageKey, "probe", 50).find((l) => l.startsWith("{"));
      expect(done.state, sandbox.runtime.logs(spec.stageKey, "probe", 50).join("\n")).toBe("COMPLETED");
      out[who] = JSON.parse(line!);
    }
    const { a, b } = out;
    expect(a.uid).not.toBe(0);
    expect(a.gid).not.toBe(0);
    expect(b.uid).not.toBe(a.uid);
    expect(execFileSync("id", ["-u", getStageUserName(stageIds[0]!, prefix)], { encoding: "utf8" }).trim()).toBe(String(a.uid));
    // Its own copy of the Release's files, not the runtime's.
    expect(a.cwd).not.toBe(sandbox.appDir);
    expect(a.cwd.startsWith(join(sandbox.dataDir, "run", "shop", "a"))).toBe(true);
    expect(a.app).toBe("the app");
    // Neither the other Stage's storage nor the runtime's records.
    // (b ran after a: a's storage exists, and b cannot read it.)
    expect(b.other).toBe("EACCES");
    expect(a.pids).toBe("EACCES");
    expect(Object.keys(a.env).sort()).toEqual([
      "HOME",
      "HOST",
      "LANG",
      "OTHER_STORAGE",
      "PATH",
      "PERGOLA_FILES_DIR",
      "PERGOLA_STORAGE_DATA",
      "PIDS_DIR",
      "TMPDIR",
      "WHO",
    ]);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(sandbox.dataDir)).toBe(0o711);
    expect(mode(join(sandbox.dataDir, "pids"))).toBe(0o700);
    expect(mode(join(sandbox.dataDir, "storage"))).toBe(0o711);
    expect(mode(join(sandbox.dataDir, "storage", "shop"))).toBe(0o711);
    for (const dir of [join(sandbox.dataDir, "storage", "shop", "a"), join(sandbox.dataDir, "run", "shop", "a")]) {
      expect(mode(dir)).toBe(0o700);
      expect(statSync(dir).uid).toBe(a.uid);
    }
    expect(statSync(join(a.env.PERGOLA_STORAGE_DATA, "mine.txt")).uid).toBe(a.uid);
  });

  it("deletes a purged Stage's user and its group, killing a process of it left running; deleting one that is gone is no error", async () => {
    const users = new StageUsers(prefix);
    const stageId = `stage-purged-${randomBytes(4).toString("hex")}`;
    stageIds.push(stageId);
    const user = await users.ensure(stageId);
    expect(await findUser(user.name)).toEqual(user);
    // A process of the Stage's user outside any Component (one that daemonized, say).
    const escaped = spawn("sleep", ["300"], { uid: user.uid, gid: user.gid, detached: true, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => escaped.on("exit", (_code, signal) => resolve(signal)));
    await new Promise((resolve) => escaped.once("spawn", resolve));
    await users.remove(stageId);
    expect(await exited).toBe("SIGKILL");
    expect(await findUser(user.name)).toBeUndefined();
    expect(() => execFileSync("getent", ["group", user.name], { stdio: "ignore" })).toThrow();
    await users.remove(stageId);
    // Made again on demand, as for a new Stage.
    expect((await users.ensure(stageId)).name).toBe(user.name);
  });
});
