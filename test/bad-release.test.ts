/**
 * A bad Release does not take a Stage down, end to end: a real API, a real agent, real
 * processes, and the Stage's link through the API's gateway. The running Release keeps serving
 * while a new one starts beside it; a new one that never turns healthy FAILS and the running one
 * goes on (DEPLOYED, serving, the Stage HEALTHY); rollbackStage undoes the failed deploy; a good
 * one takes over without a failed request.
 */
import { describe, expect, it } from "vitest";
import { createTestProject, eventually, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, FAST_RUNTIME, getCursor, NODE, startStack, uploadApp } from "./support/stack.js";

/** Answers its VERSION; exits at once on SIGTERM (so a request routed to a stopped Release fails). */
const SERVER_JS = `
require("http").createServer((req, res) => res.end(process.env.VERSION)).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;
const CRASH_JS = `console.error("cannot start: no database"); process.exit(1);`;

const manifest = (version: string, script = "server.js") => ({
  version: "v1",
  components: [
    {
      name: "web",
      command: [NODE, script],
      ports: [8080],
      env: [{ name: "VERSION", value: version }],
      ingresses: [{ host: "web", port: 8080 }],
      health: { http: { path: "/", port: 8080 }, interval: "1s", timeout: "1s" },
    },
  ],
});

const RELEASE_CHANGED = `subscription($p: String!, $s: String!, $a: String) {
  releaseChanged(project: $p, stage: $s, after: $a) { release { number state message } } }`;
const STAGE = `query($p: String!) {
  stage(project: $p, slug: "prod") { health currentRelease { number state } liveRelease { number state } components { name state health } }
  releases(project: $p, stage: "prod") { number state message } }`;

type ReleaseSeen = { number: number; state: string; message: string | null };

describe("a bad Release does not take a Stage down", () => {
  it("keeps the DEPLOYED Release serving through a failed one, rolls the failure back, and switches to a good one without a failed request", async () => {
    const stack = await startStack({ runtime: { ...FAST_RUNTIME, rolloutTimeoutMs: 60_000 } });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "prod");
    const artifact = await uploadApp(api, { "server.js": SERVER_JS, "crash.js": CRASH_JS });
    const releases = subscribe<{ releaseChanged: { release: ReleaseSeen } }>(api.ws(), RELEASE_CHANGED, {
      p: project,
      s: "prod",
      a: await getCursor(api, project),
    });
    const until = async (number: number, state: string) => {
      for (;;) {
        const { release } = (await releases.next(30_000)).releaseChanged;
        if (release.number === number && release.state === state) return release;
      }
    };
    const link = `${api.server.url}/s/${project}/prod/web/`;
    const answer = async () => {
      const response = await fetch(link);
      return `${response.status} ${await response.text()}`;
    };

    await deploy(api, project, "prod", await createBuild(api, project, manifest("one"), artifact));
    await until(1, "DEPLOYED");
    expect(await answer()).toBe("200 one");

    // #2 crash-loops: it starts beside #1, which keeps serving, and FAILS; #1 goes on.
    await deploy(api, project, "prod", await createBuild(api, project, manifest("two", "crash.js"), artifact));
    expect(await answer()).toBe("200 one");
    // While #2 starts (its first report made it DEPLOYING), the Stage's health is #1's, which serves.
    await until(2, "DEPLOYING");
    const during = (await api.ok(STAGE, { p: project })).stage;
    expect(during).toMatchObject({ health: "HEALTHY", liveRelease: { number: 1 } });
    const failed = await until(2, "FAILED");
    expect(failed.message).toMatch(/^web: crash-looping before it was ever healthy/);
    expect(await answer()).toBe("200 one");
    const after = await api.ok(STAGE, { p: project });
    expect(after.stage).toMatchObject({
      health: "HEALTHY",
      currentRelease: { number: 1, state: "DEPLOYED" },
      liveRelease: { number: 1, state: "DEPLOYED" },
      components: [{ name: "web", state: "RUNNING", health: "HEALTHY" }],
    });
    expect(after.releases.map((r: ReleaseSeen) => `${r.number} ${r.state}`)).toEqual(["2 FAILED", "1 DEPLOYED"]);

    // Rolling back undoes the failed deploy: #3 runs #1's Build, beside #1, and takes over.
    const { rollbackStage } = await api.ok(`mutation($p: String!) { rollbackStage(project: $p, stage: "prod") { number state } }`, {
      p: project,
    });
    expect(rollbackStage).toEqual({ number: 3, state: "PENDING" });
    // #1 is SUPERSEDED in the same transaction, just before #3 is DEPLOYED.
    await until(1, "SUPERSEDED");
    await until(3, "DEPLOYED");
    expect(await answer()).toBe("200 one");
    const { stage: three } = await api.ok(`query($p: String!) { stage(project: $p, slug: "prod") { components { host } } }`, {
      p: project,
    });
    const oldHost: string = three.components[0].host;

    // A good one takes over while requests keep coming: every one answered, by #3 or by #4.
    const answers: string[] = [];
    let rolling = true;
    const load = (async () => {
      while (rolling) answers.push(await answer().catch((error: Error) => `error ${error.message}`));
    })();
    await deploy(api, project, "prod", await createBuild(api, project, manifest("four"), artifact));
    await until(3, "SUPERSEDED");
    await until(4, "DEPLOYED");
    // #3 stops after the drain: requests go on through the switch and after #3 is gone.
    await eventually(
      () =>
        fetch(`http://${oldHost}:8080/`).then(
          () => undefined,
          () => true,
        ),
      15_000,
      "#3's process stopped",
    );
    const gone = answers.length;
    await eventually(() => (answers.length > gone + 5 ? true : undefined), 10_000, "requests after #3 stopped");
    rolling = false;
    await load;
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a !== "200 one" && a !== "200 four")).toEqual([]);
    expect(answers.at(-1)).toBe("200 four");
    releases.close();
  });
});
