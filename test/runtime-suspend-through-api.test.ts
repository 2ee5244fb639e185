/**
 * Suspend and resume end to end, as docs/design.md ("Stage") says them: a real API, the real
 * `pergola-agent` process, real Components, and only GraphQL, the gateway and the files the
 * Components write to look at them. Links answer 503, services get SIGTERM and, after the
 * Stage's grace period, SIGKILL; schedules stop; standard storage stays, temporary goes;
 * resume brings back the same Release.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTestProject, eventually, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, getCursor, getStage, isAlive, NODE, startStack, uploadApp } from "./support/stack.js";

/** Exits on SIGTERM (noting when). Keeps a note on a standard and on a temporary volume: POST writes it, GET reads both. */
const WEB_JS = `
const fs = require("fs"), path = require("path"), http = require("http");
const keep = process.env.PERGOLA_STORAGE_KEEP, scratch = process.env.PERGOLA_STORAGE_SCRATCH;
fs.writeFileSync(path.join(keep, "pid"), String(process.pid));
const read = (dir) => { try { return fs.readFileSync(path.join(dir, "note"), "utf8"); } catch { return null; } };
http.createServer((req, res) => {
  if (req.method === "POST") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => { fs.writeFileSync(path.join(keep, "note"), body); fs.writeFileSync(path.join(scratch, "note"), body); res.end("stored"); });
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ standard: read(keep), temporary: read(scratch), pid: process.pid }));
}).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => { fs.writeFileSync(path.join(keep, "sigterm-at"), String(Date.now())); process.exit(0); });
`;

/** Ignores SIGTERM (noting when it came): only SIGKILL stops it. `ready` tells its probe the handler is in place. */
const STUBBORN_JS = `
const fs = require("fs"), path = require("path");
const keep = process.env.PERGOLA_STORAGE_KEEP;
process.on("SIGTERM", () => fs.writeFileSync(path.join(keep, "sigterm-at"), String(Date.now())));
fs.writeFileSync(path.join(keep, "pid"), String(process.pid));
fs.writeFileSync(path.join(process.env.TMPDIR, "ready"), "");
setInterval(() => {}, 1000);
`;

/** One line per run, with the (real) time it ran. */
const TICK_JS = `require("fs").appendFileSync(require("path").join(process.env.PERGOLA_STORAGE_KEEP, "runs.log"), Date.now() + "\\n");`;

const keep = { name: "keep", path: "/var/keep", size: "1Mi" };
const tick = { name: "tick", command: [NODE, "tick.js"], scheduled: "* * * * *", storage: [keep] };
const MANIFEST = {
  version: "v1",
  components: [
    {
      name: "web",
      command: [NODE, "web.js"],
      ports: [8080],
      ingresses: [{ host: "web", port: 8080 }],
      storage: [keep, { name: "scratch", path: "/tmp/scratch", size: "1Mi", type: "temporary" }],
      health: { http: { path: "/", port: 8080 }, interval: "1s", timeout: "1s" },
    },
    {
      name: "stubborn",
      command: [NODE, "stubborn.js"],
      storage: [keep],
      health: { command: 'test -e "$TMPDIR/ready"', interval: "1s", timeout: "1s" },
    },
    tick,
  ],
};
/** A second Stage with the same schedule that stays up: its runs show when the suspended one's would have come. */
const WITNESS = { version: "v1", components: [tick] };

const EVENTS = `subscription($p: String!, $a: String) { events(project: $p, after: $a) { cursor kind payload stage { slug state } } }`;
type ProjectEvent = {
  cursor: string;
  kind: string;
  payload: { component?: { name: string; state: string; health: string; message: string | null } };
  stage: { slug: string; state: string } | null;
};

/**
 * Cron has a granularity of one minute. Rather than wait for the next minute (up to 60 s), the
 * agent's clock is set so that a minute begins LEAD_MS after it starts: enough to deploy and
 * suspend first. Should the suspension come later than that, the test waits for the minute after.
 */
const LEAD_MS = 11_000;

describe("suspend and resume through the API, with the agent process", () => {
  it("stops traffic, services (SIGKILL after the grace period) and schedules; keeps standard storage; resumes the same Release", async () => {
    const boundary = Date.now() + LEAD_MS;
    const stack = await startStack({ agentProcess: { clockOffsetMs: (60_000 - (boundary % 60_000)) % 60_000 } });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 2);
    await createStage(api, project, "witness");
    const artifact = await uploadApp(api, { "web.js": WEB_JS, "stubborn.js": STUBBORN_JS, "tick.js": TICK_JS });
    const build = await createBuild(api, project, MANIFEST, artifact);
    const events = subscribe<{ events: ProjectEvent }>(api.ws(), EVENTS, { p: project, a: await getCursor(api, project) });
    const all = () => events.received.map((e) => e.events);
    const waitFor = async (wanted: (e: ProjectEvent) => boolean, ms = 20_000) => {
      for (;;) {
        const event = (await events.next(ms)).events;
        if (wanted(event)) return event;
      }
    };
    const component = (stage: string, name: string, state?: string) => (e: ProjectEvent) =>
      e.kind === "COMPONENT_CHANGED" &&
      e.stage?.slug === stage &&
      e.payload.component?.name === name &&
      (!state || e.payload.component.state === state);
    const stageIs = (stage: string, state: string) => (e: ProjectEvent) =>
      e.kind === "STAGE_STATE_CHANGED" && e.stage?.slug === stage && e.stage.state === state;

    await deploy(api, project, "dev", build);
    await deploy(api, project, "witness", await createBuild(api, project, WITNESS, artifact));
    const healthy = await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        return stage.health === "HEALTHY" && stage.currentRelease?.state === "DEPLOYED" ? stage : undefined;
      },
      20_000,
      "dev HEALTHY with its Release DEPLOYED",
    );
    expect(healthy.components.map((c) => [c.name, c.state])).toEqual([
      ["stubborn", "RUNNING"],
      ["tick", "SCHEDULED"],
      ["web", "RUNNING"],
    ]);
    const link = `${api.server.url}/s/${project}/dev/web/`;
    expect(await (await fetch(link, { method: "POST", body: "kept" })).text()).toBe("stored");
    expect(await (await fetch(link)).json()).toMatchObject({ standard: "kept", temporary: "kept" });
    const pidOf = (name: string) => Number(readFileSync(stack.storagePath(project, "dev", name, "keep", "pid"), "utf8"));
    const [webPid, stubbornPid] = [pidOf("web"), pidOf("stubborn")];
    const runs = (stage: string) => {
      const file = stack.storagePath(project, stage, "tick", "keep", "runs.log");
      return existsSync(file) ? readFileSync(file, "utf8") : "";
    };

    const suspendAt = Date.now();
    const { suspendStage } = await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    expect(suspendStage.state).toBe("SUSPENDING");
    // The one that exits on SIGTERM is gone at once; the one that ignores it waits out the grace period.
    await eventually(() => (isAlive(webPid) ? undefined : true), 1_500, "web to exit on SIGTERM");
    expect(isAlive(stubbornPid)).toBe(true);
    expect((await getStage(api, project, "dev")).state).toBe("SUSPENDING");
    expect((await fetch(link)).status).toBe(503);
    await waitFor(stageIs("dev", "SUSPENDED"));
    const suspendedAt = Date.now();
    expect(suspendedAt - suspendAt).toBeGreaterThanOrEqual(2_000);
    expect(suspendedAt - suspendAt).toBeLessThan(10_000);
    expect(isAlive(stubbornPid)).toBe(false);
    expect(existsSync(stack.storagePath(project, "dev", "stubborn", "keep", "sigterm-at"))).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("is suspended");
    const suspended = await getStage(api, project, "dev");
    expect(suspended.components.map((c) => c.state)).toEqual(["SUSPENDED", "SUSPENDED", "SUSPENDED"]);

    // The schedule is off: the witness runs at its next minute (a run that started after the
    // suspension was over), and the suspended Stage's cron, due at the same minute, does not.
    const before = runs("dev");
    const suspendedCursor = all().at(-1)!.cursor;
    for (;;) {
      await waitFor((e) => component("witness", "tick", "SCHEDULED")(e) && /^last run/.test(e.payload.component?.message ?? ""), 75_000);
      if (
        runs("witness")
          .split("\n")
          .some((line) => Number(line) > suspendedAt)
      )
        break;
    }
    expect(runs("dev")).toBe(before);
    const afterSuspension = all().filter((e) => BigInt(e.cursor) > BigInt(suspendedCursor));
    expect(afterSuspension.filter(component("dev", "tick"))).toEqual([]);

    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitFor(stageIs("dev", "RUNNING"));
    const resumed = await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        return stage.health === "HEALTHY" ? stage : undefined;
      },
      20_000,
      "dev HEALTHY again",
    );
    expect(resumed.currentRelease).toEqual(healthy.currentRelease);
    expect(resumed.components.map((c) => [c.name, c.state])).toEqual([
      ["stubborn", "RUNNING"],
      ["tick", "SCHEDULED"],
      ["web", "RUNNING"],
    ]);
    expect(await (await fetch(link)).json()).toMatchObject({ standard: "kept", temporary: null });

    // A new Release: the standard volume is still the Component's.
    expect(await (await fetch(link, { method: "POST", body: "kept again" })).text()).toBe("stored");
    const second = await deploy(api, project, "dev", build);
    const deployed = await eventually(
      async () => {
        const stage = await getStage(api, project, "dev");
        return stage.currentRelease?.id === second.id && stage.currentRelease.state === "DEPLOYED" && stage.health === "HEALTHY"
          ? stage
          : undefined;
      },
      20_000,
      "the second Release DEPLOYED and HEALTHY",
    );
    expect(deployed.state).toBe("RUNNING");
    const served = (await (await fetch(link)).json()) as { standard: string; temporary: string | null; pid: number };
    expect(served).toMatchObject({ standard: "kept again", temporary: null });
    expect(served.pid).not.toBe(webPid);
    events.close();
  }, 120_000);
});
