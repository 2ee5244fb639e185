/**
 * restartComponent, stopComponent, startComponent and runJob end to end: a real API, a real
 * local agent running examples/hello as it ships, and only GraphQL, the gateway, the agent's PID
 * records and the Components' output to look at them. A stopped service's process is gone and its
 * link answers 503; it stays STOPPED when the agent restarts, until it is started or a new Release
 * comes; a restart is a new process; runJob runs the job and the cron job now; a suspended Stage
 * refuses every one of them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createTestProject, eventually, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, getCursor, getStage, isAlive, startStack, uploadApp, type Stack } from "./support/stack.js";

const HELLO = fileURLToPath(new URL("../examples/hello", import.meta.url));
const helloFiles = Object.fromEntries(
  ["server.js", "migrate.js", "tick.js", "package.json"].map((name) => [name, readFileSync(join(HELLO, name), "utf8")]),
);
const helloManifest = parse(readFileSync(join(HELLO, "pergola.yaml"), "utf8")) as unknown;

const EVENTS = `subscription($p: String!, $a: String) {
  componentChanged(project: $p, stage: "dev", after: $a) { cursor kind command actor component { name state health restarts message } }
}`;
type ComponentEvent = {
  cursor: string;
  kind: string;
  command: string | null;
  actor: string;
  component: { name: string; state: string; health: string; restarts: number; message: string | null };
};

const CONTROL = (field: string) =>
  `mutation($p: String!, $c: String!) { ${field}(project: $p, stage: "dev", component: $c) { name kind state health } }`;
const MUTATIONS = ["restartComponent", "stopComponent", "startComponent", "runJob"] as const;

/** The live processes the agent runs for `component` of the Stage, from its PID records. */
function pidsOf(stack: Stack, project: string, component: string): number[] {
  const dir = join(stack.agentDataDir, "runtime", "pids");
  return readdirSync(dir)
    .map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")) as { pid: number; stageKey: string; component: string })
    .filter((r) => r.stageKey === `${project}/dev` && r.component === component && isAlive(r.pid))
    .map((r) => r.pid);
}

describe("Component control through the API, with the local agent running examples/hello", () => {
  it("stops, keeps stopped across an agent restart, starts, restarts, runs jobs now; refused on a suspended Stage; a new Release clears a stop", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 2);
    const build = await createBuild(api, project, helloManifest, await uploadApp(api, helloFiles));
    const events = subscribe<{ componentChanged: ComponentEvent }>(api.ws(), EVENTS, { p: project, a: await getCursor(api, project) });
    const waitFor = async (wanted: (e: ComponentEvent) => boolean, ms = 30_000) => {
      for (;;) {
        const event = (await events.next(ms)).componentChanged;
        if (wanted(event)) return event;
      }
    };
    const changed = (name: string, ok: (c: ComponentEvent["component"]) => boolean) => (e: ComponentEvent) =>
      e.kind === "COMPONENT_CHANGED" && e.component.name === name && ok(e.component);
    const serving = (c: ComponentEvent["component"]) => c.state === "RUNNING" && c.health === "HEALTHY";
    const control = (field: (typeof MUTATIONS)[number], component: string) => api.gql(CONTROL(field), { p: project, c: component });
    const refusal = async (field: (typeof MUTATIONS)[number], component: string) => {
      const { data, errors } = await control(field, component);
      expect(data).toBeNull();
      return { code: errors?.[0]?.extensions?.code as string, message: errors?.[0]?.message };
    };
    const link = `${api.server.url}/s/${project}/dev/hello/`;

    // Nothing to control before a Release.
    expect(await refusal("stopComponent", "web")).toEqual({
      code: "STATE_CONFLICT",
      message: 'Stage "dev" has no active Release; deploy one first',
    });

    await deploy(api, project, "dev", build);
    await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        const states = Object.fromEntries(stage.components.map((c) => [c.name, c.state]));
        return stage.currentRelease?.state === "DEPLOYED" && stage.health === "HEALTHY" && states.migrate === "COMPLETED"
          ? stage
          : undefined;
      },
      30_000,
      "hello DEPLOYED and HEALTHY, its job COMPLETED",
    );
    expect((await fetch(link)).status).toBe(200);
    const [firstPid] = pidsOf(stack, project, "web");
    expect(firstPid).toBeDefined();

    // Refusals by name and kind.
    expect(await refusal("stopComponent", "nope")).toEqual({ code: "NOT_FOUND", message: 'Component "nope" in Stage "dev" not found' });
    for (const field of ["restartComponent", "stopComponent", "startComponent"] as const) {
      expect((await refusal(field, "migrate")).code).toBe("BAD_USER_INPUT");
    }
    expect(await refusal("runJob", "web")).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/"web" is a SERVICE/) });
    expect(await refusal("startComponent", "web")).toEqual({
      code: "STATE_CONFLICT",
      message: 'Component "web" is RUNNING, not stopped; restartComponent restarts it',
    });

    // Stop: the mutation answers with the Component as stored; the agent stops it.
    expect((await control("stopComponent", "web")).data).toEqual({
      stopComponent: { name: "web", kind: "SERVICE", state: "RUNNING", health: "HEALTHY" },
    });
    expect(await waitFor((e) => e.kind === "COMPONENT_CONTROLLED")).toMatchObject({
      command: "STOP",
      actor: expect.stringMatching(/^admin/),
      component: { name: "web" },
    });
    await waitFor(changed("web", (c) => c.state === "STOPPED"));
    expect(isAlive(firstPid!)).toBe(false);
    expect(pidsOf(stack, project, "web")).toEqual([]);
    const stoppedPage = await fetch(link);
    expect(stoppedPage.status).toBe(503);
    expect(await stoppedPage.text()).toContain("is stopped");
    expect((await refusal("stopComponent", "web")).code).toBe("STATE_CONFLICT");
    expect(await refusal("restartComponent", "web")).toEqual({
      code: "STATE_CONFLICT",
      message: 'Component "web" is stopped; startComponent starts it',
    });

    // The agent restarts: the new one reports (its job, done before, says so) and keeps web stopped.
    await stack.restartAgent();
    await waitFor(changed("migrate", (c) => /before the agent restarted/.test(c.message ?? "")));
    expect((await getStage(api, project, "dev")).components.find((c) => c.name === "web")).toMatchObject({ state: "STOPPED" });
    expect(pidsOf(stack, project, "web")).toEqual([]);
    expect((await fetch(link)).status).toBe(503);

    // Start: RUNNING and HEALTHY again, a new process.
    expect((await control("startComponent", "web")).data?.startComponent).toMatchObject({ state: "STOPPED" });
    await waitFor(changed("web", serving));
    const [startedPid] = pidsOf(stack, project, "web");
    expect(startedPid).toBeDefined();
    expect(startedPid).not.toBe(firstPid);
    expect((await fetch(link)).status).toBe(200);

    // Restart: another process; not counted in `restarts` (which counts exits).
    await control("restartComponent", "web");
    expect(await waitFor((e) => e.kind === "COMPONENT_CONTROLLED")).toMatchObject({ command: "RESTART" });
    const restarted = await waitFor(changed("web", serving));
    expect(restarted.component.restarts).toBe(0);
    const [restartedPid] = pidsOf(stack, project, "web");
    expect(restartedPid).toBeDefined();
    expect(restartedPid).not.toBe(startedPid);
    expect(isAlive(startedPid!)).toBe(false);

    // runJob: the @release job runs again, the cron job runs now; their output says so.
    const logsOf = async (name: string) => {
      const { stage } = await api.ok(`query($p: String!) { stage(project: $p, stage: "dev") { components { name logs(tail: 200) } } }`, {
        p: project,
      });
      return ((stage.components as { name: string; logs: string[] }[]).find((c) => c.name === name)?.logs ?? []).join("\n");
    };
    const count = (text: string, pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line)).length;
    const migrations = count(await logsOf("migrate"), /migrating for release/);
    const ticks = count(await logsOf("tick"), /^tick at/);
    expect((await control("runJob", "migrate")).data?.runJob).toMatchObject({ kind: "JOB" });
    expect((await control("runJob", "tick")).data?.runJob).toMatchObject({ kind: "CRON", state: "SCHEDULED" });
    await eventually(
      async () => (count(await logsOf("migrate"), /migrating for release/) > migrations ? true : undefined),
      30_000,
      "migrate's output from the run asked for",
    );
    await eventually(
      async () => (count(await logsOf("tick"), /^tick at/) > ticks ? true : undefined),
      30_000,
      "tick's output from the run asked for",
    );
    await waitFor(changed("tick", (c) => c.state === "SCHEDULED" && /^last run exited with code 0/.test(c.message ?? "")));

    // A suspended Stage (and one on its way there) refuses each of them, naming its state. web is stopped first.
    await control("stopComponent", "web");
    await waitFor(changed("web", (c) => c.state === "STOPPED"));
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, stage: "dev") { state } }`, { p: project });
    for (const [field, component] of [
      ["restartComponent", "web"],
      ["stopComponent", "web"],
      ["startComponent", "web"],
      ["runJob", "migrate"],
    ] as const) {
      expect(await refusal(field, component)).toMatchObject({
        code: "STATE_CONFLICT",
        message: expect.stringMatching(/^Stage "dev" is SUSPEND(ING|ED); Components can be controlled only on a RUNNING Stage$/),
      });
    }
    await eventually(async () => ((await getStage(api, project, "dev")).state === "SUSPENDED" ? true : undefined), 30_000, "SUSPENDED");
    expect(await refusal("runJob", "tick")).toEqual({
      code: "STATE_CONFLICT",
      message: 'Stage "dev" is SUSPENDED; Components can be controlled only on a RUNNING Stage',
    });

    // Stopped before the suspend, it stays stopped after the resume, and the Stage still settles RUNNING.
    await api.ok(`mutation($p: String!) { resumeStage(project: $p, stage: "dev") { state } }`, { p: project });
    await eventually(async () => ((await getStage(api, project, "dev")).state === "RUNNING" ? true : undefined), 30_000, "RUNNING");
    await waitFor(changed("tick", (c) => c.state === "SCHEDULED"));
    expect((await getStage(api, project, "dev")).components.find((c) => c.name === "web")).toMatchObject({ state: "STOPPED" });
    expect(pidsOf(stack, project, "web")).toEqual([]);
    expect((await fetch(link)).status).toBe(503);

    // A new Release clears the stop: its web runs and serves.
    const second = await deploy(api, project, "dev", build);
    const deployed = await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        return stage.currentRelease?.id === second.id && stage.currentRelease.state === "DEPLOYED" ? stage : undefined;
      },
      30_000,
      "the second Release DEPLOYED",
    );
    expect(deployed.components.find((c) => c.name === "web")).toMatchObject({ state: "RUNNING", health: "HEALTHY" });
    expect(pidsOf(stack, project, "web")).toHaveLength(1);
    expect((await fetch(link)).status).toBe(200);
    events.close();
  }, 180_000);
});
