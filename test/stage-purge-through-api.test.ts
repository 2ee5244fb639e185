/**
 * Purge removes a Stage for good with its storage (README "Projects and Stages"): a real API and
 * the in-process agent running examples/hello, whose visit counter lives in a standard storage.
 * The Stage is deleted (archived: suspended, storage kept) and purged; the agent removes its
 * storage and acknowledges, after which its Stage ID is free again — a new Stage of that ID
 * starts from an empty storage. As root, the agent runs each Stage as a user of its own (as
 * `pergola-agent` does) and the purge deletes the purged Stage's user too.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestProject, eventually } from "../apps/api/src/testing/harness.js";
import { findUser } from "../packages/runtime/src/process/stage-users.js";
import { createBuild, createStage, deploy, getStage, startStack, uploadHello } from "./support/stack.js";
import { useTestStageUsers } from "./support/stage-users.js";

const stageUsers = useTestStageUsers();

describe("purgeStage with the agent", () => {
  it("removes the Stage's storage on the agent's host, then frees its Stage ID", async () => {
    const stack = await startStack({ runtime: stageUsers.runtime });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 1);
    const hello = await uploadHello(stack, project);
    const build = await createBuild(api, project, hello.manifest, hello.sha256);
    await deploy(api, project, "dev", build);
    await eventually(async () => ((await getStage(api, project, "dev")).health === "HEALTHY" ? true : undefined), 20_000, "dev HEALTHY");
    const user = stageUsers.userOf((await getStage(api, project, "dev")).id);
    if (stageUsers.enabled) expect(await findUser(user)).toBeDefined();
    const link = `${api.server.url}/s/${project}/dev/hello/`;
    const visit = async () => /Visit number (\d+)\./.exec(await (await fetch(link)).text())?.[1];
    for (const n of ["1", "2"]) expect(await visit()).toBe(n);
    const visits = stack.storagePath(project, "dev", "web", "data", "visits");
    expect(readFileSync(visits, "utf8")).toBe("2");

    // Deleted is archived: suspended, its storage kept.
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "dev") }`, { p: project });
    await eventually(async () => ((await getStage(api, project, "dev")).state === "SUSPENDED" ? true : undefined), 20_000, "dev SUSPENDED");
    expect(readFileSync(visits, "utf8")).toBe("2");

    expect(await api.ok(`mutation($p: String!) { purgeStage(project: $p, stage: "dev") }`, { p: project })).toEqual({ purgeStage: true });
    const stageDir = join(stack.agentDataDir, "runtime", "storage", project, "dev");
    await eventually(
      () => (stack.log.some((e) => e.msg === "purged stage's storage removed" && e.fields.stage === `${project}/dev`) ? true : undefined),
      20_000,
      "the agent to remove the purged Stage's storage",
    );
    expect(existsSync(stageDir)).toBe(false);
    expect(existsSync(join(stack.agentDataDir, "runtime", "run", project, "dev"))).toBe(false);
    // Its only Stage gone, the Project's directories go too; and the Stage's user.
    expect(existsSync(join(stack.agentDataDir, "runtime", "storage", project))).toBe(false);
    expect(await findUser(user)).toBeUndefined();

    // Acknowledged: the tombstone is gone and the Stage ID free; the new Stage starts with nothing.
    const CREATE = `mutation($p: String!) { createStage(input: { project: $p, name: "dev", slug: "dev", type: DEV }) { slug } }`;
    await eventually(
      async () => {
        const created = await api.gql(CREATE, { p: project });
        if (created.errors?.[0]?.extensions?.code === "CONFLICT") return undefined;
        expect(created.errors).toBeUndefined();
        return true;
      },
      20_000,
      "the purge to be acknowledged (the Stage ID free again)",
    );
    await deploy(api, project, "dev", build);
    await eventually(
      async () => ((await getStage(api, project, "dev")).health === "HEALTHY" ? true : undefined),
      20_000,
      "the new dev HEALTHY",
    );
    expect(await visit()).toBe("1");
    stageUsers.userOf((await getStage(api, project, "dev")).id);
  });
});
