/**
 * The Relay connections over real HTTP: paging a long list visits every item once in the plain
 * list's order, filters hold across pages, bad `first` and cursors are typed BAD_USER_INPUT,
 * authorization is the plain list's, and the cost limit charges a page by its size.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, uniqueSlug, type TestApi } from "../testing/harness.js";

const PAGE_INFO = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const STAGES = `query($p: String!, $first: Int, $after: String, $type: StageType, $state: StageState) {
  stagesConnection(project: $p, first: $first, after: $after, type: $type, state: $state) {
    edges { cursor node { slug type state } } ${PAGE_INFO} totalCount eventCursor
  }
}`;
const CREATE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`;
const TYPES = ["DEV", "QA", "PROD"] as const;

interface Edge<N> {
  cursor: string;
  node: N;
}
interface PageOf<N> {
  edges: Edge<N>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

let api: TestApi;
let project: string;
/** The Stages of `project`, in creation order. */
const created: { slug: string; type: string }[] = [];

beforeAll(async () => {
  api = await startTestApi();
  project = await createTestProject(api);
  // One at a time: each its own transaction, so creation order is the plain list's order.
  for (let i = 0; i < 120; i++) {
    const type = TYPES[i % 3]!;
    const slug = `s-${String(i).padStart(3, "0")}`;
    await api.ok(CREATE, { i: { project, name: slug, slug, type } });
    created.push({ slug, type });
  }
  for (const { slug } of created.filter((_, i) => i % 10 === 0)) {
    await api.ok(`mutation($p: String!, $s: String!) { suspendStage(project: $p, stage: $s) { state } }`, { p: project, s: slug });
  }
}, 120_000);
afterAll(() => api?.close());

/** Every page of a connection, following endCursor, checking each page's pageInfo. */
async function pageThrough<N>(read: (after: string | null) => Promise<PageOf<N>>, size: number): Promise<{ nodes: N[]; pages: number }> {
  const nodes: N[] = [];
  let after: string | null = null;
  for (let pages = 1; ; pages++) {
    const page = await read(after);
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    if (page.pageInfo.hasNextPage) expect(page.edges).toHaveLength(size);
    else expect(page.edges.length).toBeLessThanOrEqual(size);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return { nodes, pages };
    after = page.pageInfo.endCursor;
    if (pages > 10_000) throw new Error("paging does not end");
  }
}

const readStages = (variables: Record<string, unknown>) => async (after: string | null) =>
  (await api.ok(STAGES, { p: project, after, ...variables })).stagesConnection as PageOf<{ slug: string; type: string; state: string }>;

describe("stagesConnection", () => {
  it("pages through 120 Stages 50 at a time: each once, in the plain list's order", async () => {
    const { stages } = await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: project });
    const { nodes, pages } = await pageThrough(readStages({ first: 50 }), 50);
    expect(pages).toBe(3);
    expect(nodes.map((n) => n.slug)).toEqual(created.map((s) => s.slug));
    expect(nodes.map((n) => n.slug)).toEqual(stages.map((s: { slug: string }) => s.slug));
    const first = await readStages({ first: 50 })(null);
    expect(first.totalCount).toBe(120);
    expect(first.pageInfo.hasNextPage).toBe(true);
  });

  it("takes 50 by default, and 500 at most", async () => {
    expect((await readStages({})(null)).edges).toHaveLength(50);
    const all = await api.ok(
      `query($p: String!) { stagesConnection(project: $p, first: 500) { edges { node { slug } } pageInfo { hasNextPage } } }`,
      {
        p: project,
      },
    );
    expect(all.stagesConnection.edges).toHaveLength(120);
    expect(all.stagesConnection.pageInfo.hasNextPage).toBe(false);
  });

  it("keeps its filters across pages, and counts what they let through", async () => {
    const { nodes } = await pageThrough(readStages({ first: 7, type: "QA" }), 7);
    expect(nodes.map((n) => n.slug)).toEqual(created.filter((s) => s.type === "QA").map((s) => s.slug));
    const suspended = await pageThrough(readStages({ first: 5, state: "SUSPENDED" }), 5);
    expect(suspended.nodes.map((n) => n.slug)).toEqual(created.filter((_, i) => i % 10 === 0).map((s) => s.slug));
    const both = await readStages({ first: 50, type: "DEV", state: "SUSPENDED" })(null);
    // i % 3 === 0 and i % 10 === 0: 0, 30, 60, 90.
    expect(both.edges.map((e) => e.node.slug)).toEqual(["s-000", "s-030", "s-060", "s-090"]);
    expect(both.totalCount).toBe(4);
  });

  it("neither repeats nor skips when Stages are created or deleted between pages", async () => {
    const own = await createTestProject(api);
    for (const slug of ["a", "b", "c", "d"]) await api.ok(CREATE, { i: { project: own, name: slug, slug, type: "DEV" } });
    const first = (await api.ok(STAGES, { p: own, first: 2 })).stagesConnection as PageOf<{ slug: string }>;
    expect(first.edges.map((e) => e.node.slug)).toEqual(["a", "b"]);
    // The cursor's own Stage goes; a new one comes at the end.
    await api.ok(`mutation($p: String!) { deleteStage(project: $p, stage: "b") }`, { p: own });
    await api.ok(CREATE, { i: { project: own, name: "e", slug: "e", type: "DEV" } });
    const next = (await api.ok(STAGES, { p: own, first: 2, after: first.pageInfo.endCursor })).stagesConnection as PageOf<{ slug: string }>;
    expect(next.edges.map((e) => e.node.slug)).toEqual(["c", "d"]);
    expect(next.pageInfo.hasNextPage).toBe(true);
  });

  it("gives the Project's event cursor read before the page", async () => {
    const own = await createTestProject(api);
    const before = (await api.ok(STAGES, { p: own })).stagesConnection;
    await api.ok(CREATE, { i: { project: own, name: "x", slug: "x", type: "DEV" } });
    const after = (await api.ok(STAGES, { p: own })).stagesConnection;
    const { project: p } = await api.ok(`query($p: String!) { project(project: $p) { cursor } }`, { p: own });
    expect(BigInt(after.eventCursor)).toBeGreaterThan(BigInt(before.eventCursor));
    expect(after.eventCursor).toBe(p.cursor);
  });
});

describe("bad input", () => {
  const code = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions;

  it("refuses `first` out of range with BAD_USER_INPUT naming it", async () => {
    for (const first of [0, -1, 501, 100_000]) {
      const res = await api.gql(`query($p: String!, $f: Int!) { stagesConnection(project: $p, first: $f) { totalCount } }`, {
        p: project,
        f: first,
      });
      expect(code(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
      expect(res.data ?? null).toBeNull();
    }
  });

  it("refuses malformed and foreign cursors with BAD_USER_INPUT naming `after`", async () => {
    const other = await createTestProject(api);
    await api.ok(CREATE, { i: { project: other, name: "o", slug: "o", type: "DEV" } });
    const foreignStage = (await api.ok(STAGES, { p: other, first: 1 })).stagesConnection.pageInfo.endCursor;
    const projectCursor = (await api.ok(`{ projectsConnection(first: 1) { pageInfo { endCursor } } }`)).projectsConnection.pageInfo
      .endCursor;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const stageId = (await api.ok(`query($p: String!) { stages(project: $p) { id } }`, { p: project })).stages[0].id;
    const projectId = (await api.ok(`query($p: String!) { project(project: $p) { id } }`, { p: project })).project.id;
    const bad = [
      "",
      "nope!",
      "x".repeat(600),
      encode("just a string"),
      encode(["Stage", projectId]),
      encode(["Stage", projectId, "2026-02-30T00:00:00.000000Z", stageId]),
      encode(["Stage", projectId, "2026-01-01T00:00:00.000000Z", "not-a-uuid"]),
      encode(["Stage", projectId, "2026-01-01T00:00:00Z", stageId]),
      encode(["Stage", projectId, 17, stageId]),
      `${Buffer.from("{not json").toString("base64url")}`,
      foreignStage,
      projectCursor,
    ];
    for (const after of bad) {
      const res = await api.gql(`query($p: String!, $a: String) { stagesConnection(project: $p, after: $a) { totalCount } }`, {
        p: project,
        a: after,
      });
      expect(code(res), after).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
    // A well-formed cursor of this list whose Stage no longer exists is still a position.
    const gone = encode(["Stage", projectId, "2000-01-01T00:00:00.000000Z", "00000000-0000-4000-8000-000000000000"]);
    const page = await api.ok(
      `query($p: String!, $a: String) { stagesConnection(project: $p, after: $a, first: 1) { edges { node { slug } } } }`,
      {
        p: project,
        a: gone,
      },
    );
    expect(page.stagesConnection.edges).toEqual([{ node: { slug: "s-000" } }]);
  });
});

describe("authorization", () => {
  it("is the plain list's: a member pages only their own Projects", async () => {
    const mine = await createTestProject(api);
    await api.ok(CREATE, { i: { project: mine, name: "m", slug: "m", type: "DEV" } });
    const member = await createTestUser(api, { projects: [mine] });
    const own = await api.gql(STAGES, { p: mine }, member.token);
    expect(own.data?.stagesConnection.edges).toHaveLength(1);
    const other = await api.gql(STAGES, { p: project }, member.token);
    expect(other.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    // With a cursor of the Project it may see, too.
    const stolen = await api.gql(STAGES, { p: project, after: own.data?.stagesConnection.pageInfo.endCursor }, member.token);
    expect(stolen.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const projects = await api.ok(`{ projectsConnection(first: 500) { edges { node { slug } } totalCount } }`, {}, member.token);
    expect(projects.projectsConnection.edges).toEqual([{ node: { slug: mine } }]);
    expect(projects.projectsConnection.totalCount).toBe(1);
    const outposts = await api.gql(`{ outpostsConnection { totalCount } }`, {}, member.token);
    expect(outposts.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const releases = await api.gql(
      `query($p: String!) { releasesConnection(project: $p, stage: "s-000") { totalCount } }`,
      { p: project },
      member.token,
    );
    expect(releases.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const builds = await api.gql(`query($p: String!) { buildsConnection(project: $p) { totalCount } }`, { p: project }, member.token);
    expect(builds.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

describe("the other connections", () => {
  it("page Projects, Releases, Builds and Outposts in their plain lists' orders", async () => {
    const own = await createTestProject(api);
    await api.ok(CREATE, { i: { project: own, name: "dev", slug: "dev", type: "DEV" } });
    const artifact = await uploadArtifact(api, own);
    const builds = await createBuilds(api, own, artifact, 5);
    for (const build of builds) {
      await api.ok(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, {
        i: { project: own, stage: "dev", build },
      });
    }
    const releases = await pageThrough(
      async (after) =>
        (
          await api.ok(
            `query($p: String!, $a: String) { releasesConnection(project: $p, stage: "dev", first: 2, after: $a) { edges { cursor node { number } } ${PAGE_INFO} } }`,
            { p: own, a: after },
          )
        ).releasesConnection,
      2,
    );
    const plainReleases = await api.ok(`query($p: String!) { releases(project: $p, stage: "dev") { number } }`, { p: own });
    expect(releases.nodes).toEqual([5, 4, 3, 2, 1].map((number) => ({ number })));
    expect(releases.nodes).toEqual(plainReleases.releases);

    const pagedBuilds = await pageThrough(
      async (after) =>
        (
          await api.ok(
            `query($p: String!, $a: String) { buildsConnection(project: $p, first: 2, after: $a) { edges { cursor node { name } } ${PAGE_INFO} } }`,
            { p: own, a: after },
          )
        ).buildsConnection,
      2,
    );
    const plainBuilds = await api.ok(`query($p: String!) { builds(project: $p) { name } }`, { p: own });
    expect(pagedBuilds.nodes).toEqual(plainBuilds.builds);
    expect(pagedBuilds.nodes.map((b: { name: string }) => b.name)).toEqual([...builds].reverse());

    // Outposts and Projects are listed across the whole database, which other test files change
    // meanwhile (PostgreSQL runs them side by side): the pages must hold each of them once, and
    // this test's own in the plain list's order.
    const mineOutposts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const slug = uniqueSlug("o");
      await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { outpost { slug } } }`, { i: { name: slug, slug } });
      mineOutposts.push(slug);
    }
    const outposts = await pageThrough(
      async (after) =>
        (
          await api.ok(
            `query($a: String) { outpostsConnection(first: 2, after: $a) { edges { cursor node { slug stageCount } } ${PAGE_INFO} } }`,
            { a: after },
          )
        ).outpostsConnection,
      2,
    );
    const plainOutposts = await api.ok(`{ outposts { slug stageCount } }`);
    const ownOutposts = (list: { slug: string }[]) => list.filter((o) => mineOutposts.includes(o.slug));
    expect(new Set(outposts.nodes.map((o: { slug: string }) => o.slug)).size).toBe(outposts.nodes.length);
    expect(ownOutposts(outposts.nodes)).toEqual(ownOutposts(plainOutposts.outposts));
    expect(ownOutposts(outposts.nodes)).toHaveLength(3);

    const projects = await pageThrough(
      async (after) =>
        (
          await api.ok(`query($a: String) { projectsConnection(first: 3, after: $a) { edges { cursor node { slug } } ${PAGE_INFO} } }`, {
            a: after,
          })
        ).projectsConnection,
      3,
    );
    const plainProjects = await api.ok(`{ projects { slug } }`);
    const ownProjects = (list: { slug: string }[]) => list.filter((p) => p.slug === own || p.slug === project);
    expect(new Set(projects.nodes.map((p: { slug: string }) => p.slug)).size).toBe(projects.nodes.length);
    expect(ownProjects(projects.nodes)).toEqual(ownProjects(plainProjects.projects));
    expect(ownProjects(projects.nodes)).toHaveLength(2);
  });

  it("refuses a Release cursor of another Stage", async () => {
    const res = await api.gql(
      `query($p: String!, $a: String) { releasesConnection(project: $p, stage: "s-001", after: $a) { totalCount } }`,
      {
        p: project,
        a: Buffer.from(JSON.stringify(["Release", "00000000-0000-4000-8000-000000000000", 3])).toString("base64url"),
      },
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});

describe("the cost limit", () => {
  const WIDE = `edges { cursor node { slug name type state health configDrift suspendGraceSeconds createdAt updatedAt
    project { slug name } currentRelease { number state } liveRelease { number state } } }`;
  const costOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions;

  it("counts `first` given as a variable, as a number, or left at its default", async () => {
    const byVariable = `query($p: String!, $f: Int!) { stagesConnection(project: $p, first: $f) { ${WIDE} } }`;
    expect((await api.gql(byVariable, { p: project, f: 10 })).errors).toBeUndefined();
    expect(costOf(await api.gql(byVariable, { p: project, f: 500 }))).toMatchObject({ code: "BAD_USER_INPUT", maxCost: 5000 });
    const literal = await api.gql(`query($p: String!) { stagesConnection(project: $p, first: 500) { ${WIDE} } }`, { p: project });
    expect(costOf(literal)).toMatchObject({ code: "BAD_USER_INPUT", maxCost: 5000 });
    // Not run at all: refused before any resolver.
    expect(literal.data ?? null).toBeNull();
    const byVariableDefault = `query($p: String!, $f: Int = 500) { stagesConnection(project: $p, first: $f) { ${WIDE} } }`;
    expect(costOf(await api.gql(byVariableDefault, { p: project }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("multiplies nested pages: a page of Projects each with its Stages", async () => {
    const nested = `query($f: Int!) { projectsConnection(first: $f) { edges { node { slug
      stages { slug name state health currentRelease { number state build { name } } components { name state health } } } } } }`;
    expect((await api.gql(nested, { f: 5 })).errors).toBeUndefined();
    expect(costOf(await api.gql(nested, { f: 200 }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("applies on the socket too", async () => {
    const client = api.ws();
    const result = await new Promise<{ errors?: unknown }>((resolve, reject) => {
      client.subscribe(
        { query: `query($p: String!) { stagesConnection(project: $p, first: 500) { ${WIDE} } }`, variables: { p: project } },
        { next: (value) => resolve(value as never), error: (error) => resolve({ errors: error }), complete: () => undefined },
      );
      setTimeout(() => reject(new Error("no answer on the socket within 10 s")), 10_000).unref();
    });
    expect(JSON.stringify(result.errors)).toContain("BAD_USER_INPUT");
    await client.dispose();
  });
});
