/**
 * The Node interface: every object with an id is found again by `node(id:)` and `nodes(ids:)`,
 * with its type, as its own query shows it, and only to those its own query answers (anyone else
 * gets null, as for an id that does not exist). The object fields that replace bare keys
 * (`Release.stage`, `Build.project`, `Configuration.stage`, `ComponentLogLines.release`,
 * `author`) serve the objects as they are, a mutation's answer included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, subscribe, type TestApi, type TestUser } from "../testing/harness.js";
import { createGrantedOutpost, deployAndReport } from "../testing/outpost-agent.js";

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

/** A Project with one object of every type: a Stage on an Outpost, its Configuration, a Build, a Release, a Component. */
async function world() {
  const project = await createTestProject(api);
  const outpost = await createGrantedOutpost(api, project);
  await api.ok(
    `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
    { p: project, u: `outpost://${outpost.slug}` },
  );
  await api.ok(
    `mutation($p: String!) { addConfigData(input: { project: $p, stage: "edge", env: [{ name: "A", value: "1" }] }) { version } }`,
    { p: project },
  );
  await deployAndReport(api, { project, stage: "edge", artifact, token: outpost.token, config: "default" });
  const member = await createTestUser(api, { projects: [project], name: "Mia Member" });
  const { createAccessKey } = await api.ok(`mutation { createAccessKey(input: { name: "ci" }) { accessKey { id } } }`, {}, member.token);
  const { projects, outposts, me, stages } = await api.ok(
    `query($p: String!) {
      projects { id slug }
      outposts { id slug }
      me { id }
      stages(project: $p) { id outpost { id } configs { id } components { id } currentRelease { id author { id name } build { id author { id } } } }
    }`,
    { p: project },
  );
  const [stage] = stages;
  const p = projects.find((x: { slug: string }) => x.slug === project);
  const o = outposts.find((x: { slug: string }) => x.slug === outpost.slug);
  const ids = {
    Project: p.id as string,
    Stage: stage.id as string,
    OutpostLink: stage.outpost.id as string,
    Configuration: stage.configs[0].id as string,
    Component: stage.components[0].id as string,
    Release: stage.currentRelease.id as string,
    Build: stage.currentRelease.build.id as string,
    Actor: stage.currentRelease.author.id as string,
    Outpost: o.id as string,
    User: member.id,
    AccessKey: createAccessKey.accessKey.id as string,
  };
  return { project, outpost, member, admin: me.id as string, ids, author: stage.currentRelease.author };
}

const nodeOf = async (id: string, token?: string) => (await api.ok(NODE, { id }, token)).node;

describe("node and nodes", () => {
  it("find every type by its id, with its __typename", async () => {
    const { ids, member } = await world();
    for (const [type, id] of Object.entries(ids)) {
      expect(await nodeOf(id), type).toEqual({ __typename: type, id });
    }
    const { nodes } = await api.ok(NODES, { ids: Object.values(ids) });
    expect(nodes.map((n: { __typename: string }) => n.__typename)).toEqual(Object.keys(ids));
    // The object as its type shows it, fields and all.
    const { node } = await api.ok(`query($id: ID!) { node(id: $id) { ... on Stage { slug project { id } } } }`, { id: ids.Stage });
    expect(node).toEqual({ slug: "edge", project: { id: ids.Project } });
    const user = await api.ok(`query($id: ID!) { node(id: $id) { ... on User { name email } } }`, { id: ids.User });
    expect(user.node).toEqual({ name: "Mia Member", email: member.email });
  });

  it("answer null for ids that name nothing, and refuse more than 100 ids", async () => {
    const junk = [
      "00000000-0000-4000-8000-000000000000",
      "nonsense",
      "",
      Buffer.from("Component:x/y").toString("base64url"),
      Buffer.from("Stage:1").toString("base64url"),
    ];
    for (const id of junk) expect(await nodeOf(id), id).toBeNull();
    expect((await api.ok(NODES, { ids: junk })).nodes).toEqual(junk.map(() => null));
    const tooMany = await api.gql(NODES, { ids: Array.from({ length: 101 }, (_, i) => String(i)) });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ids" });
  });

  it("show each object to exactly those its own query shows it to", async () => {
    const { project, ids, member, admin } = await world();
    const stranger = await createTestUser(api, { projects: [await createTestProject(api)] });
    const readOnly = await createTestUser(api, { projects: [project], readOnly: true });
    const inProject = ["Project", "Stage", "OutpostLink", "Configuration", "Component", "Release", "Build"] as const;

    const visible = async (who: TestUser) => {
      const { nodes } = await api.ok(NODES, { ids: Object.values(ids) }, who.token);
      return Object.fromEntries(Object.keys(ids).map((type, i) => [type, nodes[i] !== null]));
    };
    // A member: everything in its Project, itself, its own key and the Actors; not the Outpost (admins only).
    expect(await visible(member)).toEqual({
      ...Object.fromEntries(inProject.map((t) => [t, true])),
      Actor: true,
      Outpost: false,
      User: true,
      AccessKey: true,
    });
    expect(await visible(readOnly)).toEqual({
      ...Object.fromEntries(inProject.map((t) => [t, true])),
      Actor: true,
      Outpost: false,
      User: false,
      AccessKey: false,
    });
    // Anyone else: nothing of the Project, as for ids that do not exist.
    expect(await visible(stranger)).toEqual({
      ...Object.fromEntries(inProject.map((t) => [t, false])),
      Actor: true,
      Outpost: false,
      User: false,
      AccessKey: false,
    });
    const stage = await api.gql(`query($id: ID!) { node(id: $id) { ... on Stage { slug } } }`, { id: ids.Stage }, stranger.token);
    expect(stage).toMatchObject({ data: { node: null } });
    expect(stage.errors).toBeUndefined();
    // Admins see everything; a user sees itself through `node` as through `me`.
    expect(Object.values(await visible({ token: api.adminToken } as TestUser)).every(Boolean)).toBe(true);
    expect(await nodeOf(admin)).toEqual({ __typename: "User", id: admin });
  });
});

describe("objects instead of keys", () => {
  it("serve a Release's Stage as it is now, a deployRelease's answer included", async () => {
    const project = await createTestProject(api);
    await api.ok(`mutation($p: String!) { createStage(input: { project: $p, name: "s", type: DEV }) { slug } }`, { p: project });
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "s") { state } }`, { p: project });
    const [build] = await createBuilds(api, project, artifact, 1);
    const { deployRelease } = await api.ok(
      `mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "s", build: $b }) {
        id state stage { id slug state currentRelease { id } } author { id name } build { project { slug } }
      } }`,
      { p: project, b: build },
    );
    expect(deployRelease.stage).toMatchObject({ slug: "s", state: "SUSPENDED", currentRelease: { id: deployRelease.id } });
    expect(deployRelease.author.name).toBe("admin");
    expect(deployRelease.build.project.slug).toBe(project);
    expect(await nodeOf(deployRelease.author.id)).toEqual({ __typename: "Actor", id: deployRelease.author.id });
  });

  it("serve a Configuration's Stage, and give each version of it an id of its own", async () => {
    const project = await createTestProject(api);
    for (const name of ["a", "b", "c"]) {
      await api.ok(`mutation($p: String!, $s: String!) { createStage(input: { project: $p, name: $s, type: DEV }) { slug } }`, {
        p: project,
        s: name,
      });
      await api.ok(
        `mutation($p: String!, $s: String!) { addConfigData(input: { project: $p, stage: $s, env: [{ name: "A", value: "1" }] }) { version } }`,
        { p: project, s: name },
      );
    }
    const [build] = await createBuilds(api, project, artifact, 1);
    await api.ok(
      `mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "a", build: $b, config: "default" }) { id } }`,
      { p: project, b: build },
    );
    const { addConfigData: newest } = await api.ok(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "a", env: [{ name: "B", value: "2" }] }) { id version stage { slug } } }`,
      { p: project },
    );
    expect(newest).toMatchObject({ version: 2, stage: { slug: "a" } });

    const { stages } = await api.ok(
      `query($p: String!) { stages(project: $p) { slug configs { stage { slug } } currentRelease { config { id version } } } }`,
      { p: project },
    );
    expect(stages.map((s: any) => s.configs[0].stage.slug)).toEqual(["a", "b", "c"]);
    // The version the Release runs and the newest are two objects, each found again by its id.
    const running = stages[0].currentRelease.config;
    expect(running.version).toBe(1);
    expect(running.id).not.toBe(newest.id);
    const both = await api.ok(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Configuration { version data { name } } } }`, {
      ids: [running.id, newest.id],
    });
    expect(both.nodes).toEqual([
      { version: 1, data: [{ name: "A" }] },
      { version: 2, data: [{ name: "A" }, { name: "B" }] },
    ]);
  });

  it("serve the Release of a Component's log lines", async () => {
    const project = await createTestProject(api);
    const outpost = await createGrantedOutpost(api, project);
    await api.ok(
      `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`,
      { p: project, u: `outpost://${outpost.slug}` },
    );
    const { releaseId } = await deployAndReport(api, {
      project,
      stage: "edge",
      artifact,
      token: outpost.token,
      component: { logs: ["hello"] },
    });
    const logs = subscribe(
      api.ws(),
      `subscription($p: String!) { componentLogs(project: $p, stage: "edge", component: "web") { lines release { id number stage { slug } } } }`,
      { p: project },
    );
    expect((await logs.next()).componentLogs).toEqual({ lines: ["hello"], release: { id: releaseId, number: 1, stage: { slug: "edge" } } });
    logs.close();
  });
});
