import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestUser, startTestApi, subscribe, uniqueSlug, type TestApi } from "../testing/harness.js";

const CREATE = `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug name cursor stages { slug } } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describe("Projects", () => {
  it("derives the slug from the name, lists and finds the Project", async () => {
    const tag = uniqueSlug("x");
    const { createProject } = await api.ok(CREATE, { i: { name: `My New Project ${tag}` } });
    expect(createProject).toEqual({ slug: `my-new-project-${tag}`, name: `My New Project ${tag}`, cursor: "1", stages: [] });
    const { projects } = await api.ok(`{ projects { slug } }`);
    expect(projects).toContainEqual({ slug: createProject.slug });
    const { project } = await api.ok(`query($s: String!) { project(slug: $s) { name } }`, { s: createProject.slug });
    expect(project.name).toBe(`My New Project ${tag}`);
    expect(await api.ok(`{ project(slug: "no-such-project-anywhere") { name } }`)).toEqual({ project: null });
  });

  it("answers CONFLICT with a free suggestion for a taken slug", async () => {
    const slug = uniqueSlug("dup");
    await api.ok(CREATE, { i: { name: "one", slug } });
    const res = await api.gql(CREATE, { i: { name: "two", slug } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", taken: slug, suggestion: `${slug}-2` });
  });

  it("keeps a Project list live: the list first, then again with each new Project the token may see", async () => {
    const member = await createTestUser(api);
    const LIVE = `subscription { projectsChanged { slug } }`;
    const asAdmin = subscribe(api.ws(), LIVE, {});
    const asMember = subscribe(api.ws(member.token), LIVE, {});
    const first = (await asAdmin.next()).projectsChanged as { slug: string }[];
    expect((await asMember.next()).projectsChanged).toEqual([]);
    const adminOnly = uniqueSlug("live");
    await api.ok(CREATE, { i: { name: adminOnly, slug: adminOnly } });
    const mine = uniqueSlug("mine");
    await api.ok(CREATE, { i: { name: mine, slug: mine } }, member.token);
    // The admin sees both (in one list or two); the member only its own.
    let seen: { slug: string }[] = [];
    while (!seen.some((p) => p.slug === mine)) seen = (await asAdmin.next()).projectsChanged;
    expect(seen.map((p) => p.slug)).toEqual(expect.arrayContaining([...first.map((p) => p.slug), adminOnly, mine]));
    expect((await asMember.next()).projectsChanged).toEqual([{ slug: mine }]);
    asAdmin.close();
    asMember.close();
  });
});
