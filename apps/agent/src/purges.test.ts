/**
 * The agent deletes a purged Stage's directories only when its tombstone is plainly a Stage's
 * (a UUID, `<project>/<stage>` of DNS labels), only inside its own data dir, never through a
 * symbolic link; a Stage it has no storage for is simply acknowledged.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getPurgeDirs, purgeProblem, StagePurges } from "./purges.js";

const ID = "0b6f1c52-8a2e-4c1e-9d0e-3f1c2b4a5d6e";
const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;

let root: string;
let runtime: string;
let acked: string[];
let purges: StagePurges;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "pergola-purges-"));
  runtime = join(root, "runtime");
  mkdirSync(runtime);
  acked = [];
  purges = new StagePurges({ runtimeDataDir: runtime, logger: silent, acknowledge: async (id) => acked.push(id) });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("purgeProblem / getPurgeDirs", () => {
  it("accepts a UUID and two Stage IDs, and names the Stage's storage and run dirs", () => {
    expect(purgeProblem({ stageId: ID, key: "shop/dev" })).toBeUndefined();
    expect(getPurgeDirs(runtime, { stageId: ID, key: "shop/dev" })).toEqual([
      join(runtime, "storage/shop/dev"),
      join(runtime, "run/shop/dev"),
    ]);
  });

  it.each([
    ["../etc", "a key that climbs"],
    ["shop/..", "a stage that climbs"],
    ["shop/../../x", "more segments"],
    ["shop", "one segment"],
    ["/shop/dev", "an absolute path"],
    ["shop/dev/web", "a volume"],
    ["shop/.", "a dot"],
    ["Shop/dev", "not a DNS label"],
    ["shop/dev%2F..", "an encoded slash"],
    ["shop/", "an empty stage"],
  ])("refuses the key %j (%s)", (key) => {
    expect(purgeProblem({ stageId: ID, key })).toBeDefined();
    expect(() => getPurgeDirs(runtime, { stageId: ID, key })).toThrow(/refusing to purge/);
  });

  it("refuses a Stage id that is not a UUID", () => {
    expect(purgeProblem({ stageId: "../x", key: "shop/dev" })).toMatch(/UUID/);
  });
});

describe("StagePurges.purge", () => {
  it("deletes the Stage's storage and run dirs, nothing beside them, then acknowledges", async () => {
    const storage = join(runtime, "storage/shop/dev/web/data");
    mkdirSync(storage, { recursive: true });
    writeFileSync(join(storage, "visits"), "3");
    mkdirSync(join(runtime, "run/shop/dev/web"), { recursive: true });
    mkdirSync(join(runtime, "storage/shop/live/web/data"), { recursive: true });
    await purges.purge({ stageId: ID, key: "shop/dev" });
    expect(existsSync(join(runtime, "storage/shop/dev"))).toBe(false);
    expect(existsSync(join(runtime, "run/shop/dev"))).toBe(false);
    expect(existsSync(join(runtime, "storage/shop/live/web/data"))).toBe(true);
    // The Project's run dir held only this Stage's: gone; its storage dir still holds live's.
    expect(existsSync(join(runtime, "run/shop"))).toBe(false);
    expect(existsSync(join(runtime, "storage/shop"))).toBe(true);
    expect(acked).toEqual([ID]);
  });

  it("deletes the Stage's user after its directories and before acknowledging; a failure leaves it unacknowledged", async () => {
    mkdirSync(join(runtime, "storage/shop/dev/web/data"), { recursive: true });
    const seen: string[] = [];
    let fail = true;
    purges = new StagePurges({
      runtimeDataDir: runtime,
      logger: silent,
      acknowledge: async (id) => acked.push(id),
      removeUser: async (id) => {
        seen.push(`${id} ${existsSync(join(runtime, "storage/shop"))}`);
        if (fail) throw new Error("userdel exited with 8");
      },
    });
    await expect(purges.purge({ stageId: ID, key: "shop/dev" })).rejects.toThrow(/userdel/);
    expect(seen).toEqual([`${ID} false`]);
    expect(acked).toEqual([]);
    fail = false;
    await purges.purge({ stageId: ID, key: "shop/dev" });
    expect(acked).toEqual([ID]);
  });

  it("acknowledges a Stage it has no storage for (and again: idempotent)", async () => {
    await purges.purge({ stageId: ID, key: "shop/dev" });
    await purges.purge({ stageId: ID, key: "shop/dev" });
    expect(acked).toEqual([ID, ID]);
  });

  it("removes a Stage's directory that is a symbolic link, not what it points to", async () => {
    const outside = join(root, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "keep"), "x");
    mkdirSync(join(runtime, "storage/shop"), { recursive: true });
    symlinkSync(outside, join(runtime, "storage/shop/dev"));
    await purges.purge({ stageId: ID, key: "shop/dev" });
    expect(existsSync(join(outside, "keep"))).toBe(true);
    expect(existsSync(join(runtime, "storage/shop/dev"))).toBe(false);
  });

  it("refuses to go through a Project directory that is a symbolic link, and does not acknowledge", async () => {
    const outside = join(root, "outside");
    mkdirSync(join(outside, "dev"), { recursive: true });
    writeFileSync(join(outside, "dev/keep"), "x");
    mkdirSync(join(runtime, "storage"), { recursive: true });
    symlinkSync(outside, join(runtime, "storage/shop"));
    await expect(purges.purge({ stageId: ID, key: "shop/dev" })).rejects.toThrow(/not a directory/);
    expect(existsSync(join(outside, "dev/keep"))).toBe(true);
    expect(acked).toEqual([]);
  });

  it("does not acknowledge a tombstone it refuses", async () => {
    await expect(purges.purge({ stageId: ID, key: "../x" })).rejects.toThrow(/refusing/);
    expect(acked).toEqual([]);
  });
});
