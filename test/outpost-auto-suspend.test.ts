/**
 * Auto-suspend of Stages on a remote Outpost (docs/design.md, "Stage policies"): their links are
 * served by the Outpost's agent, not by the API, so the agent's reports carry each Stage's
 * traffic. A real API and a real Outpost agent (in-process, the Outpost's token, its own
 * gateway) running examples/hello on two Stages: a request through the agent's gateway moves
 * the busy Stage's last traffic, and a sweep suspends the quiet Stage and leaves the busy one.
 * The API runs on a database of its own (the stack's), so the policy it changes is its alone.
 */
import { outposts, stages } from "@pergola/db/schema";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTestProject, eventually } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, getStage, startStack, uploadHello } from "./support/stack.js";

const HOUR = 3_600_000;

describe("auto-suspend on a remote Outpost", () => {
  it("the agent's gateway traffic reaches the Stage's last traffic; a sweep suspends the quiet Stage, not the busy one", async () => {
    const stack = await startStack({ outpost: true });
    const { api } = stack;
    const { db } = api.server.database;
    const project = await createTestProject(api);
    const hello = await uploadHello(stack, project);
    const build = await createBuild(api, project, hello.manifest, hello.sha256);
    for (const slug of ["quiet", "busy"]) {
      await createStage(api, project, slug, 1, { outpostUri: stack.outpost!.uri });
      await deploy(api, project, slug, build);
    }
    for (const slug of ["quiet", "busy"]) {
      await eventually(
        async () => {
          const stage = await getStage(api, project, slug);
          return stage.health === "HEALTHY" && stage.currentRelease?.state === "DEPLOYED" ? stage : undefined;
        },
        30_000,
        `${slug} HEALTHY on the Outpost`,
      );
    }
    const rows = await db
      .select({ id: stages.id, slug: stages.slug, outpostId: stages.outpostId })
      .from(stages)
      .where(inArray(stages.id, [(await getStage(api, project, "quiet")).id, (await getStage(api, project, "busy")).id]));
    const idOf = (slug: string) => rows.find((r) => r.slug === slug)!.id;
    const lastTraffic = async (slug: string) =>
      (
        await db
          .select({ at: stages.lastTrafficAt })
          .from(stages)
          .where(eq(stages.id, idOf(slug)))
      )[0]!.at;
    expect(await lastTraffic("busy")).toBeNull();

    // A request through the Outpost agent's gateway: the API hears of it in the agent's report.
    const before = Date.now();
    const page = await fetch(`${await stack.gatewayUrl}/s/${project}/busy/hello/`);
    expect(page.status).toBe(200);
    const noted = await eventually(async () => (await lastTraffic("busy")) ?? undefined, 10_000, "busy's last traffic");
    expect(noted.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(noted.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await lastTraffic("quiet")).toBeNull();

    // Both Stages (and the Outpost's time ONLINE) as if two hours old; only busy had traffic since.
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
    await db
      .update(stages)
      .set({ updatedAt: twoHoursAgo })
      .where(inArray(stages.id, [idOf("quiet"), idOf("busy")]));
    await db.update(outposts).set({ statusSince: twoHoursAgo }).where(eq(outposts.id, rows[0]!.outpostId!));
    await api.ok(`mutation($i: UpdateStagePolicyInput!) { updateStagePolicy(input: $i) { autoSuspendAfterHours } }`, {
      i: { type: "DEV", autoSuspendAfterHours: 1 },
    });
    const { autoSuspend } = api.server.services;
    // Half an hour on, nothing has been quiet for an hour since its traffic: busy stays.
    const suspended = await autoSuspend.sweep(new Date(Date.now() + HOUR / 2));
    expect(suspended).toEqual([idOf("quiet")]);
    await eventually(
      async () => ((await getStage(api, project, "quiet")).state === "SUSPENDED" ? true : undefined),
      20_000,
      "quiet SUSPENDED by its agent",
    );
    expect((await getStage(api, project, "busy")).state).toBe("RUNNING");
    // The agent closed quiet's links at once; busy's still serve.
    expect((await fetch(`${await stack.gatewayUrl}/s/${project}/quiet/hello/`)).status).toBe(503);
    expect((await fetch(`${await stack.gatewayUrl}/s/${project}/busy/hello/`)).status).toBe(200);
    // An hour and a half on, busy too has been quiet an hour.
    expect(await autoSuspend.sweep(new Date(Date.now() + 1.5 * HOUR))).toEqual([idOf("busy")]);
  });
});
