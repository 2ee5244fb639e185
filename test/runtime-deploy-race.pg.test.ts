/**
 * 50 concurrent deployRelease on one Stage while a live agent applies and reports (PostgreSQL:
 * real concurrency, a pool of connections). apps/api/src/releases/release-concurrency.pg.test.ts
 * is the same burst with nobody reporting; here every report races the deploys for the Stage's
 * row lock, and Releases move PENDING → DEPLOYING → DEPLOYED while others supersede them.
 */
import { expect, it } from "vitest";
import { describeWithPostgres } from "../apps/api/src/testing/postgres-only.js";
import { createTestProject, subscribe } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, getCursor, getStage, NODE, startStack, uploadApp } from "./support/stack.js";

const SERVER_JS = `
require("http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));
`;
const MANIFEST = { version: "v1", components: [{ name: "web", command: [NODE, "server.js"], ports: [8080] }] };

/** Errors a refused deploy may carry: typed, never INTERNAL_SERVER_ERROR. */
const TYPED = ["CONFLICT", "STATE_CONFLICT"];
/** Where a Release can go from each state when no Component fails (docs/design.md, "Release"). */
const NEXT: Record<string, string[]> = {
  PENDING: ["DEPLOYING", "DEPLOYED", "FAILED", "SUPERSEDED"],
  DEPLOYING: ["DEPLOYED", "FAILED", "SUPERSEDED"],
  DEPLOYED: ["SUPERSEDED"],
};

const EVENTS = `subscription($p: String!, $a: String) { events(project: $p, after: $a) { cursor kind payload } }`;
type ReleaseRow = { id: string; number: number; state: string };

describeWithPostgres("50 concurrent deployRelease on one Stage with a live agent", () => {
  it("end with one DEPLOYED Release, the rest SUPERSEDED or refused with a typed error, each state change in the log once", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "hot", 1);
    const artifact = await uploadApp(api, { "server.js": SERVER_JS });
    const builds: string[] = [];
    for (let i = 0; i < 5; i++) builds.push(await createBuild(api, project, MANIFEST, artifact));
    const cursor = await getCursor(api, project);

    // Ten waves of five at once, 100 ms apart: the agent (a stop and a start take it about that
    // long) applies and reports Releases of the burst while the next ones supersede them.
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(i / 5) * 100));
        return api.gql<{ deployRelease: ReleaseRow }>(
          `mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { id number state } }`,
          {
            i: { project, stage: "hot", build: builds[i % 5] },
          },
        );
      }),
    );
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const refused = results.filter((r) => r.errors);
    for (const r of refused) expect(TYPED).toContain(r.errors![0]?.extensions?.code);
    const made = results.flatMap((r) => (r.data?.deployRelease ? [r.data.deployRelease] : []));
    expect(made.length + refused.length).toBe(50);
    expect(made.length).toBeGreaterThan(0);
    const last = made.reduce((a, b) => (b.number > a.number ? b : a));

    // The agent converges on the newest; every other Release was superseded on the way.
    const events = subscribe<{ events: { cursor: string; kind: string; payload: { release?: ReleaseRow } } }>(api.ws(), EVENTS, {
      p: project,
      a: cursor,
    });
    for (;;) {
      const { kind, payload } = (await events.next(30_000)).events;
      if (kind === "RELEASE_STATE_CHANGED" && payload.release?.id === last.id && payload.release.state === "DEPLOYED") break;
    }
    const stage = await getStage(api, project, "hot");
    expect(stage).toMatchObject({
      state: "RUNNING",
      currentRelease: { id: last.id, state: "DEPLOYED" },
      components: [{ name: "web", state: "RUNNING" }],
    });
    const { releases } = await api.ok<{ releases: ReleaseRow[] }>(
      `query($p: String!) { releases(project: $p, stage: "hot", first: 100) { id number state } }`,
      { p: project },
    );
    expect(releases.map((r) => r.id).sort()).toEqual(made.map((r) => r.id).sort());
    expect(releases.filter((r) => r.state === "DEPLOYED").map((r) => r.id)).toEqual([last.id]);
    expect(releases.filter((r) => r.id !== last.id).every((r) => r.state === "SUPERSEDED")).toBe(true);

    // The log up to now, in full: each Release created once, then each change of state once, in an order its state machine allows.
    const upTo = await getCursor(api, project);
    while (events.received.at(-1)!.events.cursor !== upTo) await events.next(10_000);
    const log = events.received.map((e) => e.events);
    expect(new Set(log.map((e) => e.cursor)).size).toBe(log.length);
    const paths = new Map<string, string[]>();
    for (const { kind, payload } of log) {
      if (kind === "RELEASE_CREATED") {
        expect(paths.has(payload.release!.id)).toBe(false);
        paths.set(payload.release!.id, [payload.release!.state]);
      } else if (kind === "RELEASE_STATE_CHANGED") {
        const path = paths.get(payload.release!.id)!;
        expect(NEXT[path.at(-1)!]).toContain(payload.release!.state);
        path.push(payload.release!.state);
      }
    }
    expect(paths.size).toBe(made.length);
    for (const release of releases) {
      const path = paths.get(release.id)!;
      expect(path[0]).toBe("PENDING");
      expect(path.at(-1)).toBe(release.state);
    }
    // The agent took part: it applied Releases of the burst that were superseded before its
    // report for them came in (the API refused those reports as for an older generation).
    const applied = new Set(stack.log.filter((e) => e.msg === "stage applied").map((e) => e.fields.release));
    expect(applied.size).toBeGreaterThan(1);
    expect(applied.has(last.id)).toBe(true);
    events.close();
  }, 60_000);
});
