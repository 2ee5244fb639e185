/**
 * The runtime through the API, end to end: a real API, a real agent (`startAgent` in-process,
 * short timings), real child processes, and nothing but GraphQL (and the gateway) to look at
 * them. What the runtime's own tests prove module by module — restarts and CRASHLOOP, the
 * artifact's hash check, the periodic full resync — is proved here as a user of the API sees it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stages } from "@pergola/db/schema";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { createTestProject, eventually, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, getCursor, getStage, isAlive, NODE, sha256Of, startStack, uploadApp } from "./support/stack.js";

/** Exits 1 until a file called `fixed` appears in its storage; then serves HTTP (the probe's target). */
const CRASHING_JS = `
const fs = require("fs"), path = require("path"), http = require("http");
if (!fs.existsSync(path.join(process.env.PERGOLA_STORAGE_DATA, "fixed"))) {
  console.error("no fixed file yet: exiting");
  process.exit(1);
}
http.createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;

/** A quiet HTTP service: no output, so nothing but a change of state makes the agent report. */
const SERVER_JS = `
require("http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;

const web = (script: string) => ({
  version: "v1",
  components: [
    {
      name: "web",
      command: [NODE, script],
      ports: [8080],
      storage: [{ name: "data", path: "/data", size: "1Mi" }],
      health: { http: { path: "/", port: 8080 }, interval: "1s", timeout: "1s" },
    },
  ],
});

const COMPONENT_CHANGED = `subscription($p: String!, $s: String!, $a: String) {
  componentChanged(project: $p, stage: $s, after: $a) { component { name state health restarts } } }`;
const RELEASE_CHANGED = `subscription($p: String!, $s: String!, $a: String) {
  releaseChanged(project: $p, stage: $s, after: $a) { release { id state message } } }`;
const STAGE_CHANGED = `subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { stage { slug state } } }`;

type ComponentSeen = { name: string; state: string; health: string; restarts: number };

describe("the runtime through the API, with a real agent", () => {
  it("shows a crashing service as CRASHLOOP with restarts counting up and the Stage UNHEALTHY, then its recovery", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev");
    const build = await createBuild(api, project, web("crash.js"), await uploadApp(api, { "crash.js": CRASHING_JS }));
    const changes = subscribe<{ componentChanged: { component: ComponentSeen } }>(api.ws(), COMPONENT_CHANGED, {
      p: project,
      s: "dev",
      a: await getCursor(api, project),
    });
    const seen: ComponentSeen[] = [];
    const until = async (wanted: (c: ComponentSeen) => boolean) => {
      for (;;) {
        const { component } = (await changes.next(15_000)).componentChanged;
        seen.push(component);
        if (wanted(component)) return component;
      }
    };

    await deploy(api, project, "dev", build);
    await until((c) => c.state === "CRASHLOOP" && c.restarts >= 4);
    const restarts = seen.map((c) => c.restarts);
    expect(restarts).toEqual([...restarts].sort((a, b) => a - b));
    expect(new Set(restarts).size).toBeGreaterThanOrEqual(3);
    // Between two tries the only service is down: the Stage is UNHEALTHY (derived from it).
    const crashing = await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        return stage.health === "UNHEALTHY" && stage.components[0]?.state === "CRASHLOOP" ? stage : undefined;
      },
      10_000,
      "the Stage UNHEALTHY while its service is in CRASHLOOP",
    );
    expect(crashing.components[0]).toMatchObject({
      name: "web",
      health: "UNHEALTHY",
      message: expect.stringMatching(/exited with code 1; restart in/),
    });
    const logs = await eventually(
      async () => {
        const { stage } = await api.ok(`query($p: String!) { stage(project: $p, slug: "dev") { components { logs(tail: 5) } } }`, {
          p: project,
        });
        const lines: string[] = stage.components[0].logs;
        return lines.some((l) => l.includes("no fixed file yet")) ? lines : undefined;
      },
      10_000,
      "the crash's output in Component.logs",
    );
    expect(logs.length).toBeGreaterThan(0);

    // What it waits for appears (as a database it depends on would come up): the next try stays up.
    const fixed = stack.storagePath(project, "dev", "web", "data", "fixed");
    mkdirSync(dirname(fixed), { recursive: true });
    writeFileSync(fixed, "");
    await until((c) => c.state === "RUNNING" && c.health === "HEALTHY");
    const recovered = await getStage(api, project, "dev");
    expect(recovered).toMatchObject({ state: "RUNNING", health: "HEALTHY", currentRelease: { state: "DEPLOYED" } });
    expect(recovered.components[0]).toMatchObject({ state: "RUNNING", health: "HEALTHY" });
    expect(recovered.components[0]!.restarts).toBeGreaterThanOrEqual(crashing.components[0]!.restarts);
    changes.close();
  });

  it("fails the Release when the artifact the agent downloads does not hash to the Build's SHA-256", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "qa");
    const sha256 = await uploadApp(api, { "server.js": SERVER_JS, "unique.txt": project });
    const build = await createBuild(api, project, web("server.js"), sha256);
    // Content-addressed in the API's artifact store (builds/artifact-store.ts). Replaced by another
    // valid archive: only the hash can tell, and the API serves what it has (agents verify).
    const { store } = api.server.services.artifacts;
    expect(await store.has(sha256)).toBe(true);
    const forged = await makeArchive({ "server.js": "console.log('not the Build you released')" });
    const forgedFile = join(stack.apiDataDir, "forged.tar.gz");
    writeFileSync(forgedFile, forged);
    await store.delete(sha256);
    await store.put(sha256, forgedFile, forged.length);
    const releases = subscribe<{ releaseChanged: { release: { id: string; state: string; message: string | null } } }>(
      api.ws(),
      RELEASE_CHANGED,
      {
        p: project,
        s: "qa",
        a: await getCursor(api, project),
      },
    );

    const release = await deploy(api, project, "qa", build);
    let failed: { id: string; state: string; message: string };
    do failed = (await releases.next(15_000)).releaseChanged.release;
    while (failed.state !== "FAILED");
    expect(failed.id).toBe(release.id);
    // The runtime's words (packages/runtime/src/artifact/artifact.ts), through the agent and the API.
    expect(failed.message).toBe(
      `web: could not fetch the artifact: artifact ${sha256}: downloaded bytes hash to ${sha256Of(forged)}; refusing it`,
    );
    const stage = await getStage(api, project, "qa");
    expect(stage.currentRelease).toBeNull();
    expect((await api.ok(`query($p: String!) { releases(project: $p, stage: "qa") { state message } }`, { p: project })).releases).toEqual([
      { state: "FAILED", message: failed.message },
    ]);
    // Nothing of it was unpacked, so nothing of it can run.
    expect(existsSync(join(stack.agentDataDir, "artifacts", sha256))).toBe(false);
    releases.close();
  });

  /**
   * The periodic full resync (PROTOCOL "Desired state"), and why it matters: the agent hears of
   * changes through a stream that the API feeds on commit signals (in-process, or PostgreSQL
   * NOTIFY between replicas). A signal that never comes — a replica whose LISTEN connection was
   * down at that moment — leaves the agent unaware of a change. Here the Stage's row is suspended
   * (a new generation) by a write that signals nothing, which is exactly what a lost signal
   * looks like to the API the agent is connected to. Only a full desired state, read from the
   * database, can tell the agent; with `resyncMs` short it comes within a second or so, and the
   * Stage, suspended by the agent, reaches SUSPENDED through the agent's report. With the
   * default (5 minutes) this test would time out: nothing else reaches the agent.
   */
  it("stops what is left of a Release that failed: its services do not run on where nobody sees them", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev");
    const pidFile = stack.storagePath(project, "dev", "web", "data", "pid");
    const artifact = await uploadApp(api, {
      "server.js": `require("fs").writeFileSync(require("path").join(process.env.PERGOLA_STORAGE_DATA, "pid"), String(process.pid));\n${SERVER_JS}`,
      // It fails once the service runs (on a busy machine it could otherwise fail before the
      // service even started, leaving nothing to stop).
      "fail.js": `setInterval(() => { if (require("fs").existsSync(${JSON.stringify(pidFile)})) { console.error("migration failed"); process.exit(1); } }, 50);`,
    });
    const manifest = web("server.js");
    manifest.components.push({ name: "migrate", command: [NODE, "fail.js"], scheduled: "@release", "max-retries": 0 } as never);
    const build = await createBuild(api, project, manifest, artifact);
    const release = await deploy(api, project, "dev", build);
    const pid = await eventually(
      () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined),
      20_000,
      "the service started",
    );
    const { releases } = await eventually(
      async () => {
        const list = await api.ok(`query($p: String!) { releases(project: $p, stage: "dev") { id state message } }`, { p: project });
        return list.releases[0]?.state === "FAILED" ? list : undefined;
      },
      20_000,
      "the Release failed",
    );
    expect(releases[0]).toMatchObject({ id: release.id, message: expect.stringContaining("migrate") });
    await eventually(() => (isAlive(pid) ? undefined : true), 20_000, "the failed Release's service was stopped");
    expect((await getStage(api, project, "dev")).currentRelease).toBeNull();
  });

  it("resyncs in full every resyncMs, and so converges to a change whose signal was lost", async () => {
    const resyncMs = 800;
    const stack = await startStack({ connection: { resyncMs } });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "live", 1);
    const build = await createBuild(api, project, web("server.js"), await uploadApp(api, { "server.js": SERVER_JS }));
    const stageEvents = subscribe<{ stageChanged: { stage: { slug: string; state: string } } }>(api.ws(), STAGE_CHANGED, {
      p: project,
      a: await getCursor(api, project),
    });
    const components = subscribe<{ componentChanged: { component: ComponentSeen } }>(api.ws(), COMPONENT_CHANGED, {
      p: project,
      s: "live",
      a: await getCursor(api, project),
    });
    await deploy(api, project, "live", build);
    while ((await components.next(15_000)).componentChanged.component.health !== "HEALTHY");

    const received = (from: number) => stack.log.slice(from).filter((e) => e.msg === "desired state received");
    // Full states keep coming, one every resyncMs, though nothing changes.
    const fullsBefore = received(0).filter((e) => e.fields.full === true).length;
    const quiet = await eventually(
      () => {
        const fulls = received(0).filter((e) => e.fields.full === true);
        return fulls.length >= fullsBefore + 2 ? fulls : undefined;
      },
      resyncMs * 5,
      "two more full desired states",
    );
    const gaps = quiet.slice(1).map((e, i) => e.at - quiet[i]!.at);
    expect(Math.min(...gaps.slice(-2))).toBeGreaterThanOrEqual(resyncMs * 0.5);

    const key = `${project}/live`;
    const { id } = await getStage(api, project, "live");
    const from = stack.log.length;
    const { db } = api.server.database;
    await db
      .update(stages)
      .set({ state: "SUSPENDING", generation: sql`${stages.generation} + 1` })
      .where(eq(stages.id, id));
    let state: string;
    do state = (await stageEvents.next(resyncMs * 5)).stageChanged.stage.state;
    while (state !== "SUSPENDED");

    // The agent learnt it from a full state, and from nothing else: no change message came in between.
    const applied = stack.log.findIndex(
      (e, i) => i >= from && e.msg === "stage applied" && e.fields.stage === key && e.fields.suspended === true,
    );
    expect(applied).toBeGreaterThan(from);
    const messages = received(from).filter((e) => stack.log.indexOf(e) < applied);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((e) => e.fields.full === true)).toBe(true);
    expect((await getStage(api, project, "live")).components[0]).toMatchObject({ state: "SUSPENDED" });

    // And the Stage goes on as usual: resumed through the API, it runs again.
    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "live") { state } }`, { p: project });
    do state = (await stageEvents.next(15_000)).stageChanged.stage.state;
    while (state !== "RUNNING");
    stageEvents.close();
    components.close();
  });
});
