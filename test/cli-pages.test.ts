/**
 * The `pergola` CLI's lists read page after page: the built binary as a subprocess against a
 * real API whose Project holds more Stages than one page (the CLI asks for 50 at a time), with
 * its config in a temporary directory.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, startTestApi, withTimeout, type TestApi } from "../apps/api/src/testing/harness.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "apps/cli/bin/pergola.js");
const TYPES = ["DEV", "QA", "PROD"] as const;
const COUNT = 120;

let api: TestApi;
let home: string;
let project: string;
const slugs: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pergola(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_CONFIG_HOME: home,
      NO_COLOR: "1",
      PERGOLA_ENDPOINT: api.server.url,
      PERGOLA_ACCESS_KEY: api.adminToken,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c));
  child.stderr.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, 30_000, `pergola ${args.join(" ")} did not exit`).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
}

async function json(args: string[]): Promise<any> {
  const run = await pergola([...args, "-o", "json"]);
  if (run.code !== 0) throw new Error(`pergola ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "pergola-cli-pages-"));
  api = await startTestApi();
  project = await createTestProject(api);
  for (let i = 0; i < COUNT; i++) {
    const slug = `stage-${String(i).padStart(3, "0")}`;
    await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
      i: { project, name: slug, slug, type: TYPES[i % 3] },
    });
    slugs.push(slug);
  }
}, 120_000);

afterAll(async () => {
  await api?.close();
  rmSync(home, { recursive: true, force: true });
});

describe("pergola list, page after page", () => {
  it("lists every Stage once, in order, though they fill three pages", async () => {
    const stages = await json(["list", "stage", "-p", project]);
    expect(stages.map((s: { slug: string }) => s.slug)).toEqual(slugs);
    const table = await pergola(["list", "stage", "-p", project]);
    expect(table.code).toBe(0);
    for (const slug of [slugs[0]!, slugs[49]!, slugs[50]!, slugs[COUNT - 1]!]) expect(table.stdout).toContain(slug);
  });

  it("stops at --limit, across a page boundary, and filters by --type on the server", async () => {
    const limited = await json(["list", "stage", "-p", project, "--limit", "70"]);
    expect(limited.map((s: { slug: string }) => s.slug)).toEqual(slugs.slice(0, 70));
    const qa = await json(["list", "stage", "-p", project, "--type", "qa"]);
    expect(qa.map((s: { slug: string }) => s.slug)).toEqual(slugs.filter((_, i) => i % 3 === 1));
    expect(qa.every((s: { type: string }) => s.type === "QA")).toBe(true);
  });

  it("lists Projects and Outposts through their pages too", async () => {
    const projects = await json(["list", "project"]);
    expect(projects.map((p: { slug: string }) => p.slug)).toContain(project);
    expect(projects.find((p: { slug: string }) => p.slug === project).stages).toHaveLength(COUNT);
    expect(await json(["list", "project", "--limit", "1"])).toHaveLength(1);
    const { createOutpost } = await api.ok(`mutation { createOutpost(input: { name: "${project}-berlin" }) { outpost { slug } } }`);
    const outposts = await json(["list", "outpost"]);
    expect(outposts.map((o: { slug: string }) => o.slug)).toContain(createOutpost.outpost.slug);
  });

  it("refuses a bad --limit, and says when the Project is not there", async () => {
    const zero = await pergola(["list", "stage", "-p", project, "--limit", "0"]);
    expect(zero).toMatchObject({ code: 2, stderr: expect.stringMatching(/--limit 0/) });
    const missing = await pergola(["list", "stage", "-p", "no-such-project"]);
    expect(missing).toMatchObject({ code: 3, stderr: expect.stringMatching(/not found/i) });
  });
});
