/**
 * Authorization beyond what the matrix's table can say (authorization-matrix.test.ts runs every
 * root field as every actor): probes of key ids and Outpost slugs answered as for missing ones,
 * no self-promotion, POST and GET /artifacts, agents of other Outposts, subscription payloads
 * executed as their own subscriber, and an Outpost's admin facts kept from members on every
 * path (typed fields and raw event payloads). Same world as the matrix.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../testing/archive.js";
import { AGENT_PUBLIC_URL, AGENT_VERSION, firstAnswer, startWorld, stopWorld, type World } from "../testing/authorization-world.js";
import { createTestProject, createTestUser, subscribe, uniqueSlug, type TestApi } from "../testing/harness.js";
import { buildOperation, listRootFields } from "../testing/schema-operations.js";
import { ACTORS, type ActorName } from "./authorization-matrix.table.js";

let api: TestApi;
let fx: World;

const gqlOk = (query: string, variables: Record<string, unknown> = {}) => api.ok(query, variables);

beforeAll(async () => {
  ({ api, fx } = await startWorld());
}, 60_000);
afterAll(() => stopWorld({ api, fx }));

describe("users and their keys", () => {
  it("answers a user about another user's access key exactly as about a key that does not exist", async () => {
    const roots = listRootFields(api.server.schema).filter((r) => /^Mutation\.(disable|enable|delete)AccessKey$/.test(r.key));
    expect(roots).toHaveLength(3);
    for (const root of roots) {
      const id = await fx.createOthersKey();
      const ask = (key: string) => api.gql(buildOperation(root, { id: key }).query, { a0: key }, fx.tokens.member);
      const missing = randomUUID();
      const [theirs, none] = await Promise.all([ask(id), ask(missing)]);
      expect(theirs.errors?.[0]?.extensions?.code, root.key).toBe("NOT_FOUND");
      expect(JSON.stringify(theirs.errors).replaceAll(id, "<id>"), root.key).toBe(JSON.stringify(none.errors).replaceAll(missing, "<id>"));
    }
  });

  it("lets a user change their own name but not make themselves an admin or change their email", async () => {
    const UPDATE = `mutation($i: UpdateUserInput!) { updateUser(input: $i) { name isAdmin } }`;
    const { id, token } = await createTestUser(api);
    expect((await api.ok(UPDATE, { i: { id, name: "renamed" } }, token)).updateUser).toEqual({ name: "renamed", isAdmin: false });
    for (const change of [{ isAdmin: true }, { email: `${uniqueSlug("e")}@example.test` }]) {
      expect((await api.gql(UPDATE, { i: { id, ...change } }, token)).errors?.[0]?.extensions?.code, JSON.stringify(change)).toBe(
        "FORBIDDEN",
      );
    }
    expect((await api.ok(`{ me { isAdmin } }`, {}, token)).me).toEqual({ isAdmin: false });
  });
});

describe("Outposts not granted to the caller", () => {
  it("answer createStage as Outposts that do not exist, as validateOutpostUri does: their slugs cannot be probed", async () => {
    const hidden = await fx.createOutpost();
    const CREATE = `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "edge", type: DEV, outpostUri: $u }) { slug } }`;
    for (const actor of ["owner", "member", "nonMember"] as const) {
      const missing = uniqueSlug("o");
      const ask = (slug: string) => api.gql(CREATE, { p: fx.project, u: `outpost://${slug}` }, fx.tokens[actor]);
      const [theirs, none] = await Promise.all([ask(hidden.slug), ask(missing)]);
      expect(theirs.errors?.[0]?.extensions?.code, actor).toBe("BAD_USER_INPUT");
      expect(JSON.stringify(theirs.errors).replaceAll(hidden.slug, "<o>"), actor).toBe(
        JSON.stringify(none.errors).replaceAll(missing, "<o>"),
      );
    }
  });
});

describe("artifacts over HTTP", () => {
  it("are uploaded for P by who may write in it, and read by who may read it (anyone else: the missing artifact's 404)", async () => {
    const archive = new Uint8Array(await makeArchive({ "server.js": `// ${uniqueSlug("a")}` }));
    const headers = (actor: ActorName): Record<string, string> => (fx.tokens[actor] ? { authorization: `Bearer ${fx.tokens[actor]}` } : {});
    const statuses = async (request: (actor: ActorName) => Promise<Response>) =>
      Object.fromEntries(
        await Promise.all(
          ACTORS.map(async (actor) => {
            const res = await request(actor);
            await res.arrayBuffer();
            return [actor, res.status] as const;
          }),
        ),
      );
    const upload = (actor: ActorName) =>
      fetch(`${api.server.url}/artifacts?project=${fx.project}`, { method: "POST", headers: headers(actor), body: archive });
    expect(await statuses(upload)).toEqual({
      admin: 201,
      owner: 201,
      member: 201,
      readOnly: 403,
      nonMember: 404,
      agent: 404,
      anonymous: 401,
    });
    const { sha256 } = (await (await upload("member")).json()) as { sha256: string };
    const read = (actor: ActorName) => fetch(`${api.server.url}/artifacts/${sha256}`, { headers: headers(actor) });
    // The agent runs no Release of it.
    expect(await statuses(read)).toEqual({
      admin: 200,
      owner: 200,
      member: 200,
      readOnly: 200,
      nonMember: 404,
      agent: 404,
      anonymous: 401,
    });
  });
});

describe("agents", () => {
  it("see only their own Outpost: another Outpost's agent gets none of P's Stages and its reports on them are refused", async () => {
    const other = await fx.createOutpost();
    const socket = fx.agentSocket(other.token);
    const desired = await firstAnswer(socket, `subscription { desiredState { full stages { stageId key } } }`, {});
    expect(desired.data?.desiredState).toEqual({ full: true, stages: [] });
    const report = await firstAnswer(socket, `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`, {
      i: { stageId: fx.stageId, observedGeneration: 1_000, components: [] },
    });
    expect(report.data?.reportStatus).toEqual({ accepted: false, reason: "that Stage is not on this agent's Outpost" });
    await socket.dispose();
  });
});

describe("subscription payloads", () => {
  it("are each subscriber's own: a member of P only is not shown another member's Projects on an Outpost", async () => {
    // The member is also in Q, on the same Outpost; the owner is in P only. Both watch P's
    // Stages with the same document, the member first: the owner's live event must still be
    // executed as the owner (Outpost.projects: the caller's own Projects).
    const q = await createTestProject(api);
    await fx.addMember(q, fx.users.member.email, "MEMBER");
    await gqlOk(`mutation($o: String!, $p: String!) { grantOutpost(outpost: $o, project: $p) { slug } }`, { o: fx.outpost, p: q });
    const doc = `subscription($p: String!, $a: String) { stageChanged(project: $p, after: $a) { kind stage { name outpost { outpost { projects { slug } } } } } }`;
    const projectsOf = (m: any) => m.stageChanged.stage.outpost.outpost.projects.map((p: { slug: string }) => p.slug).sort();
    const member = subscribe(fx.socketOf("member"), doc, { p: fx.project, a: fx.cursor });
    expect(projectsOf(await member.next())).toEqual([fx.project, q].sort());
    const owner = subscribe(fx.socketOf("owner"), doc, { p: fx.project, a: fx.cursor });
    expect(projectsOf(await owner.next())).toEqual([fx.project]);
    await gqlOk(`mutation($p: String!, $s: String!) { updateStage(input: { project: $p, slug: $s, name: "dev again" }) { slug } }`, {
      p: fx.project,
      s: fx.stage,
    });
    const live = async (sub: typeof member) => {
      for (;;) {
        const message = await sub.next();
        if (message.stageChanged.stage.name === "dev again") return message;
      }
    };
    expect(projectsOf(await live(member))).toEqual([fx.project, q].sort());
    expect(projectsOf(await live(owner))).toEqual([fx.project]);
    member.close();
    owner.close();
  });
});

describe("Outpost facts", () => {
  it("show a Project's members an Outpost's name and status, not its admin facts, in typed fields and raw event payloads alike", async () => {
    const LINK = `query($p: String!, $s: String!) { stage(project: $p, slug: $s) { outpost { agentVersion outpost { labels agentVersion publicUrl stageCount } } } }`;
    const EVENTS = `subscription($p: String!, $a: String) { events(project: $p, after: $a) { kind payload } }`;
    const linkPayload = async (actor: ActorName) => {
      const sub = subscribe(fx.socketOf(actor), EVENTS, { p: fx.project, a: fx.cursor });
      try {
        for (;;) {
          const { events } = await sub.next();
          if (events.kind === "OUTPOST_LINK_CHANGED" && events.payload.link.outpost.slug === fx.outpost) return events.payload.link;
        }
      } finally {
        sub.close();
      }
    };
    const admin = await linkPayload("admin");
    expect(admin).toMatchObject({ outpost: { labels: ["site=berlin"], publicUrl: AGENT_PUBLIC_URL, stageCount: expect.any(Number) } });
    expect((await api.ok(LINK, { p: fx.project, s: fx.stage })).stage.outpost).toEqual({
      agentVersion: AGENT_VERSION,
      outpost: { labels: ["site=berlin"], agentVersion: AGENT_VERSION, publicUrl: AGENT_PUBLIC_URL, stageCount: expect.any(Number) },
    });
    for (const actor of ["owner", "member", "readOnly"] as const) {
      const link = await linkPayload(actor);
      expect(Object.keys(link.outpost).sort(), actor).toEqual([
        "createdAt",
        "description",
        "id",
        "name",
        "region",
        "slug",
        "status",
        "statusSince",
        "uri",
      ]);
      expect(link.agentVersion, actor).toBeNull();
      expect((await api.ok(LINK, { p: fx.project, s: fx.stage }, fx.tokens[actor]!)).stage.outpost, actor).toEqual({
        agentVersion: null,
        outpost: { labels: null, agentVersion: null, publicUrl: null, stageCount: null },
      });
    }
  });
});
