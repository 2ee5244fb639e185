/**
 * `pergola list policy`, `pergola update policy TYPE …` and the confirmation a Stage policy asks
 * for, as a person or a script runs them: the built binary (apps/cli/bin/pergola.js) as a
 * subprocess against a real API on a database of its own (policies are global). No agent: the
 * Releases stay PENDING, which is all a policy looks at here. Tests run one after another, and
 * each puts the policies back as installed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../apps/api/src/testing/builds.js";
import {
  createTestProject,
  createTestUser,
  freshDatabaseOptions,
  startTestApi,
  withTimeout,
  type TestApi,
} from "../apps/api/src/testing/harness.js";

const CLI = join(fileURLToPath(new URL("..", import.meta.url)), "apps/cli/bin/pergola.js");

let api: TestApi;
let work: string;
let dropDatabase: () => Promise<void>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pergola args…` with `key` (default: the admin's); `stdin` is piped in (the answer to a question), else /dev/null. */
function pergola(args: string[], options: { key?: string; stdin?: string } = {}): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: work,
    XDG_CONFIG_HOME: join(work, "config"),
    NO_COLOR: "1",
    PERGOLA_ENDPOINT: api.server.url,
    PERGOLA_ACCESS_KEY: options.key ?? api.adminToken,
  };
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c));
  child.stderr!.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, 30_000, `pergola ${args.join(" ")} did not exit`);
}

/** A table's text without its borders, so that columns read as words with spaces between. */
const plain = (table: string) => table.replace(/[│┌┐└┘├┤┬┴┼─]/g, " ");

async function ok(args: string[], options: { key?: string; stdin?: string } = {}): Promise<string> {
  const run = await pergola(args, options);
  if (run.code !== 0) throw new Error(`pergola ${args.join(" ")} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.stdout;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pergola-cli-policies-"));
  const database = await freshDatabaseOptions();
  dropDatabase = database.drop;
  api = await startTestApi({ database: database.options });
});
afterEach(async () => {
  for (const [type, nice] of [
    ["dev", "10"],
    ["qa", "5"],
    ["prod", "0"],
  ] as const) {
    await ok([
      "update",
      "policy",
      type,
      "--deployers",
      "owners-and-members",
      "--require-promotion-from",
      "none",
      "--no-confirm-deploy",
      "--no-confirm-suspend",
      "--default-grace",
      "60",
      "--auto-suspend-after",
      "0",
      "--nice",
      nice,
    ]);
  }
});
afterAll(async () => {
  await api?.close();
  await dropDatabase?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("pergola: Stage policies", () => {
  it("list policy shows each type's policy; update policy changes one (admins), bad values exit 2", async () => {
    const listed = plain(await ok(["list", "policy"]));
    expect(listed).toMatch(/type\s+deployers\s+promotion from\s+confirm deploy/);
    expect(listed).toMatch(/prod\s+owners-and-members\s+-\s+no\s+no\s+60s\s+off\s+0/);

    const updated = plain(
      await ok(["update", "policy", "prod", "--deployers", "owners", "--require-promotion-from", "qa", "--confirm-deploy"]),
    );
    expect(updated).toMatch(/policy of prod stages updated/);
    expect(updated).toMatch(/prod\s+owners\s+qa\s+yes\s+no\s+60s/);
    const json = JSON.parse(await ok(["list", "policies", "-o", "json"]));
    expect(json.find((p: { type: string }) => p.type === "PROD")).toMatchObject({
      deployers: "OWNERS",
      requirePromotionFrom: "QA",
      confirmDeploy: true,
      confirmSuspend: false,
    });

    const project = await createTestProject(api);
    const owner = await createTestUser(api, { projects: [project], role: "OWNER" });
    const refused = await pergola(["update", "policy", "dev", "--nice", "5"], { key: owner.token });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/Only admins change Stage policies/);
    const bad = await pergola(["update", "policy", "dev", "--nice", "20"]);
    expect({ code: bad.code, stderr: bad.stderr }).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/nice: must be a whole number/),
    });
    const unknown = await pergola(["update", "policy", "staging", "--nice", "1"]);
    expect({ code: unknown.code, stderr: unknown.stderr }).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/choose dev, qa or prod/),
    });
    expect((await pergola(["update", "policy", "dev"])).code).toBe(2);
  });

  it("asks before a deploy or a suspend where the policy says so: no answer refuses, yes (or --yes) goes on", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "prod", type: "PROD" } });
    const [b1, b2] = await createBuilds(api, project, await uploadArtifact(api), 2);
    await ok(["update", "policy", "prod", "--confirm-deploy", "--confirm-suspend"]);

    const declined = await pergola(["push", "release", "-p", project, "-s", "prod", "-b", b1!], { stdin: "n\n" });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(
      /The policy of PROD Stages asks for confirmation\. Go on and deploy Build \S+ to Stage prod\? \[y\/N\]/,
    );
    expect(declined.stderr).toMatch(/not confirmed, nothing was done/);
    const { releases } = await api.ok(`query($p: String!) { releases(project: $p, stage: "prod") { number } }`, { p: project });
    expect(releases).toEqual([]);

    expect(await ok(["push", "release", "-p", project, "-s", "prod", "-b", b1!], { stdin: "y\n" })).toMatch(/release #1/i);
    expect(await ok(["push", "release", "-p", project, "-s", "prod", "-b", b2!, "--yes"])).toMatch(/release #2/i);
    expect(await ok(["rollback", "stage", "prod", "-p", project], { stdin: "yes\n" })).toMatch(/release #3/i);

    const notSuspended = await pergola(["suspend", "stage", "prod", "-p", project]);
    expect(notSuspended.code).toBe(1);
    expect(await ok(["suspend", "stage", "prod", "-p", project, "--yes"])).toMatch(/stage prod: suspending/);
  });
});
