/**
 * The authorization matrix: every Query, Mutation and Subscription field of the executable
 * schema, run as each actor (admin, owner, member, read-only member, non-member, agent,
 * anonymous) against one Project and one Outpost, each answer compared with the table in
 * authorization-matrix.table.ts. Operations are generated from the schema (testing/schema-
 * operations.ts); the few fields that need particular input, or act on something they destroy,
 * get it from OVERRIDES, which prepares a throwaway target (as the admin) before each attempt,
 * so every attempt meets the same world. Queries and mutations go over HTTP, subscriptions over
 * graphql-ws (first message, or the error); queries and mutations once more over the socket.
 * Beside it, what a root-field table cannot see: fields hidden from the operation gate in a
 * fragment, one NOT_FOUND for a hidden and a missing Project, subscription payloads executed as
 * their own subscriber, an Outpost's admin facts kept from members on every path, probes of
 * key ids and Outpost slugs, self-promotion, agents of other Outposts, and /artifacts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { getNamedType, isInputObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../testing/archive.js";
import { AGENT_PUBLIC_URL, AGENT_VERSION, createWorld, firstAnswer, type World } from "../testing/authorization-world.js";
import { SIMPLE_MANIFEST } from "../testing/builds.js";
import { createTestProject, createTestUser, startTestApi, subscribe, uniqueSlug, type TestApi } from "../testing/harness.js";
import { buildOperation, fillArguments, listRootFields, operationProblems, type RootField, type ValueSlot } from "../testing/schema-operations.js";
import { ACTORS, MATRIX, parseRow, type ActorName, type Expected } from "./authorization-matrix.table.js";
import { AGENT_ONLY_FIELDS } from "./policy.js";

let api: TestApi;
let fx: World;

const gqlOk = (query: string, variables: Record<string, unknown> = {}) => api.ok(query, variables);

/** What a field needs beyond the generated arguments. */
interface Override {
  /** Run as the admin before each actor's attempt: arguments (over the generated ones) and, if given, the token to send instead of the actor's. */
  prepare?: (actor: ActorName) => Promise<{ args?: Record<string, unknown>; token?: string | null }>;
  args?: () => Record<string, unknown>;
  selection?: string;
  /** For answers that may leave P out: whether P is in this one (false → nil). */
  reveals?: (data: any) => boolean;
}

const hasProject = (list: { slug: string }[]) => list.some((p) => p.slug === fx.project);

const OVERRIDES: Record<string, Override> = {
  "Query.accessKeys": { args: () => ({ user: fx.bystander.email }) },
  "Query.projects": { selection: "{ slug }", reveals: hasProject },
  // Members of P see O (granted to P by the admin's Stage on it); anyone else is told it does not exist.
  "Query.validateOutpostUri": { selection: "{ outpost { slug } }", reveals: (v) => v.outpost?.slug === fx.outpost },
  // Its cursor is its own (<release>:<line>), not the log's.
  "Subscription.componentLogs": { args: () => ({ after: undefined }) },
  "Subscription.projectsChanged": { selection: "{ slug }", reveals: hasProject },
  "Mutation.addConfigData": { args: () => ({ input: { project: fx.project, stage: fx.stage, env: [{ name: `E_${randomBytes(4).toString("hex")}`, value: "v" }] } }) },
  "Mutation.removeConfigData": {
    async prepare() {
      const name = `E_${randomBytes(4).toString("hex")}`;
      await gqlOk(`mutation($p: String!, $s: String!, $n: String!) { addConfigData(input: { project: $p, stage: $s, env: [{ name: $n, value: "v" }] }) { version } }`, { p: fx.project, s: fx.stage, n: name });
      return { args: { input: { project: fx.project, stage: fx.stage, names: [name] } } };
    },
  },
  "Mutation.addMember": { prepare: async () => ({ args: { email: (await fx.createBareUser()).email } }) },
  "Mutation.updateMember": {
    async prepare() {
      const user = await fx.createBareUser();
      await fx.addMember(fx.project, user.email, "MEMBER");
      return { args: { email: user.email, role: "OWNER" } };
    },
  },
  "Mutation.removeMember": {
    async prepare() {
      const user = await fx.createBareUser();
      await fx.addMember(fx.project, user.email, "MEMBER");
      return { args: { email: user.email } };
    },
  },
  "Mutation.deleteProject": {
    // A Project with P's members in P's roles.
    async prepare() {
      const slug = await createTestProject(api);
      await fx.addMember(slug, fx.users.owner.email, "OWNER");
      await fx.addMember(slug, fx.users.member.email, "MEMBER");
      await fx.addMember(slug, fx.users.readOnly.email, "MEMBER");
      return { args: { slug } };
    },
  },
  "Mutation.createBuild": { args: () => ({ input: { project: fx.project, artifact: fx.artifact, manifest: SIMPLE_MANIFEST } }) },
  "Mutation.deployRelease": { prepare: async () => ({ args: { input: { project: fx.project, stage: await fx.createStage(), build: fx.build } } }) },
  "Mutation.promoteRelease": { prepare: async () => ({ args: { project: fx.project, from: fx.stage, to: await fx.createStage() } }) },
  "Mutation.deleteStage": { prepare: async () => ({ args: { project: fx.project, slug: await fx.createStage() } }) },
  "Mutation.suspendStage": { prepare: async () => ({ args: { project: fx.project, slug: await fx.createStage() } }) },
  "Mutation.resumeStage": {
    async prepare() {
      const slug = await fx.createStage();
      await gqlOk(`mutation($p: String!, $s: String!) { suspendStage(project: $p, slug: $s) { state } }`, { p: fx.project, s: slug });
      return { args: { project: fx.project, slug } };
    },
  },
  "Mutation.rollbackStage": { prepare: async () => ({ args: { project: fx.project, slug: await fx.createStage() } }) },
  "Mutation.updateStage": { prepare: async () => ({ args: { input: { project: fx.project, slug: await fx.createStage(), name: uniqueSlug("renamed") } } }) },
  "Mutation.deleteOutpost": { prepare: async () => ({ args: { slug: (await fx.createOutpost()).slug } }) },
  "Mutation.rotateOutpostToken": { prepare: async () => ({ args: { slug: (await fx.createOutpost()).slug } }) },
  "Mutation.grantOutpost": { prepare: async () => ({ args: { outpost: (await fx.createOutpost()).slug, project: fx.project } }) },
  "Mutation.revokeOutpost": {
    async prepare() {
      const { slug } = await fx.createOutpost();
      await gqlOk(`mutation($o: String!, $p: String!) { grantOutpost(outpost: $o, project: $p) { slug } }`, { o: slug, p: fx.project });
      return { args: { outpost: slug, project: fx.project } };
    },
  },
  "Mutation.disableUser": { prepare: async () => ({ args: { id: (await fx.createBareUser()).id } }) },
  "Mutation.enableUser": { prepare: async () => ({ args: { id: (await fx.createBareUser()).id } }) },
  "Mutation.updateUser": { prepare: async () => ({ args: { input: { id: (await fx.createBareUser()).id, name: "renamed" } } }) },
  "Mutation.deleteAccessKey": { prepare: async () => ({ args: { id: await fx.createOthersKey() } }) },
  "Mutation.disableAccessKey": { prepare: async () => ({ args: { id: await fx.createOthersKey() } }) },
  "Mutation.enableAccessKey": { prepare: async () => ({ args: { id: await fx.createOthersKey() } }) },
  "Mutation.signIn": { args: () => ({ email: fx.users.member.email, password: fx.users.member.password }) },
  "Mutation.signOut": {
    // A session of its own, so the actor's stays valid for the next fields.
    async prepare(actor) {
      if (actor !== "owner" && actor !== "member" && actor !== "nonMember") return {};
      const { email, password } = fx.users[actor];
      const { signIn } = await api.ok(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: email, p: password }, null as never);
      return { token: signIn.token };
    },
  },
  "Mutation.reportStatus": {
    // An older generation: accepted: false, and nothing changes.
    args: () => ({ input: { stageId: fx.stageId, observedGeneration: 0, components: [] } }),
  },
};

/** Arguments by name, for those the overrides do not give. */
function argumentRule(slot: ValueSlot): unknown {
  const { root, name, required } = slot;
  if (!required) return name === "after" && root.kind === "subscription" ? fx.cursor : undefined;
  switch (name) {
    case "project":
      return fx.project;
    case "stage":
      return fx.stage;
    case "slug":
      if (root.field.args.some((a) => a.name === "project")) return fx.stage;
      return /outpost/i.test(root.field.name) ? fx.outpost : fx.project;
    case "outpost":
      return fx.outpost;
    case "uri":
      return `outpost://${fx.outpost}`;
    case "component":
      return "web";
    case "manifest":
      return SIMPLE_MANIFEST;
    case "artifact":
      return fx.artifact;
    case "build":
      return fx.build;
    default:
      return undefined;
  }
}

/** What came back: OK, HIDDEN (null, or P left out), an error code, or what went wrong with the test itself. */
type Outcome = string;

function classify(root: RootField, override: Override | undefined, data: any, errors: { message: string; extensions?: { code?: string } }[] | undefined): Outcome {
  if (errors?.length) return errors[0]!.extensions?.code ?? `NO_CODE(${errors[0]!.message})`;
  const value = data?.[root.field.name];
  if (value === null || value === undefined) return "HIDDEN";
  if (override?.reveals && !override.reveals(value)) return "HIDDEN";
  return "OK";
}

const BUSINESS_ERRORS = new Set(["CONFLICT", "STATE_CONFLICT", "BAD_USER_INPUT", "TOO_MANY_REQUESTS"]);

function answerClass(outcome: Outcome): Expected | "?" {
  if (outcome === "OK" || BUSINESS_ERRORS.has(outcome)) return "ok";
  return ({ UNAUTHENTICATED: "401", FORBIDDEN: "403", NOT_FOUND: "404", HIDDEN: "nil" } as Record<string, Expected>)[outcome] ?? "?";
}

interface Cell {
  key: string;
  actor: ActorName;
  expected: Expected;
  outcome: Outcome;
}

/** The cells that differ from the table, one line each; a leak (the table refuses, the API let it through) is marked. */
function differences(cells: Cell[]): string[] {
  return cells
    .filter((c) => answerClass(c.outcome) !== c.expected)
    .map((c) => {
      const leak = c.expected !== "ok" && answerClass(c.outcome) === "ok";
      return `${c.key.padEnd(34)} ${c.actor.padEnd(10)} table ${c.expected.padEnd(4)} got ${c.outcome}${leak ? "   ← LEAK" : ""}`;
    });
}

/** The fields whose `slug` names a Project. */
const PROJECT_SLUG_FIELDS = new Set(["Query.project", "Mutation.deleteProject"]);

/** Whether a field names a Project: a `project` argument, an input with a `project` field, or a Project's slug. */
function namesProject(root: RootField): boolean {
  if (PROJECT_SLUG_FIELDS.has(root.key)) return true;
  return root.field.args.some((arg) => {
    const type = getNamedType(arg.type);
    return arg.name === "project" || (isInputObjectType(type) && "project" in type.getFields());
  });
}

/** `args` with every argument that names a Project naming `project` instead. */
function namingProject(root: RootField, args: Record<string, unknown>, project: string): Record<string, unknown> {
  const named = { ...args };
  if ("project" in named) named.project = project;
  if (named.input && typeof named.input === "object" && "project" in named.input) named.input = { ...named.input, project };
  if (PROJECT_SLUG_FIELDS.has(root.key)) named.slug = project;
  return named;
}

interface AttemptOptions {
  /** Queries and mutations over the socket too (subscriptions always are). */
  overSocket?: boolean;
  /** The field inside `... on <Root> { }`. */
  inFragment?: boolean;
  /** Name this Project wherever the arguments name P. */
  project?: string;
}

/** One actor's attempt at one field, prepared as OVERRIDES says: what came back, and the first error's message. */
async function attempt(root: RootField, actor: ActorName, options: AttemptOptions = {}): Promise<{ outcome: Outcome; message?: string }> {
  const override = OVERRIDES[root.key];
  const prepared = (await override?.prepare?.(actor)) ?? {};
  let args = { ...fillArguments(root, argumentRule), ...override?.args?.(), ...prepared.args };
  if (options.project) args = namingProject(root, args, options.project);
  const operation = buildOperation(root, args, override?.selection, { inFragment: options.inFragment });
  const problems = operationProblems(api.server.schema, operation);
  if (problems.length) return { outcome: `INVALID_OPERATION(${problems.join("; ")})` };
  const token = prepared.token !== undefined ? prepared.token : fx.tokens[actor];
  if (root.kind === "subscription" || options.overSocket) {
    const client = prepared.token !== undefined ? api.ws(token) : fx.socketOf(actor);
    const answer = await firstAnswer(client, operation.query, operation.variables);
    return { outcome: answer.outcome ?? classify(root, override, answer.data, answer.errors), message: answer.errors?.[0]?.message };
  }
  const res = await api.gql(operation.query, operation.variables, token);
  return { outcome: classify(root, override, res.data, res.errors), message: res.errors?.[0]?.message };
}

/** Every actor's attempt at one field, at once (each attempt prepares its own target). */
async function attemptAll(root: RootField, options: AttemptOptions = {}): Promise<Outcome[]> {
  return Promise.all(ACTORS.map(async (actor) => (await attempt(root, actor, options)).outcome));
}

beforeAll(async () => {
  api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  fx = await createWorld(api);
}, 60_000);
afterAll(async () => {
  await fx?.close();
  await api?.close();
});

describe("the authorization matrix", () => {
  it("has a row for every root field of the schema, and none for a field it no longer has", () => {
    const fields = listRootFields(api.server.schema).map((r) => r.key);
    const missing = fields.filter((f) => !(f in MATRIX)).map((f) => `add a row to authorization-matrix.table.ts for ${f}`);
    const stale = Object.keys(MATRIX).filter((k) => !fields.includes(k)).map((k) => `remove the row of ${k} from authorization-matrix.table.ts: the schema has no such field`);
    expect([...missing, ...stale]).toEqual([]);
    for (const [key, row] of Object.entries(MATRIX)) parseRow(key, row);
  });

  it("answers every field, for every actor, as the table says: 0 leaks", async () => {
    const roots = listRootFields(api.server.schema).filter((r) => r.key in MATRIX);
    const cells: Cell[] = [];
    for (const root of roots) {
      const row = parseRow(root.key, MATRIX[root.key]!);
      const outcomes = await attemptAll(root);
      ACTORS.forEach((actor, i) => cells.push({ key: root.key, actor, expected: row[actor], outcome: outcomes[i]! }));
    }
    const allowedWithError = cells.filter((c) => c.outcome !== "OK" && answerClass(c.outcome) === "ok");
    const diff = differences(cells);
    console.info(
      `authorization matrix: ${roots.length} fields × ${ACTORS.length} actors = ${cells.length} answers; ${diff.length} differ from the table, ${diff.filter((d) => d.endsWith("LEAK")).length} leaks` +
        (allowedWithError.length ? `\nallowed, with a business error: ${allowedWithError.map((c) => `${c.key}/${c.actor}=${c.outcome}`).join(", ")}` : ""),
    );
    expect(diff, `\n${diff.join("\n")}\n`).toEqual([]);
  });

  it("answers every query and mutation over the socket as over HTTP (anonymous callers: no socket at all)", async () => {
    // signOut ends the session its socket runs on: the socket closes (4403) before the answer.
    const roots = listRootFields(api.server.schema).filter((r) => r.kind !== "subscription" && r.key in MATRIX && r.key !== "Mutation.signOut");
    const cells: Cell[] = [];
    for (const root of roots) {
      const row = parseRow(root.key, MATRIX[root.key]!);
      const outcomes = await attemptAll(root, { overSocket: true });
      ACTORS.forEach((actor, i) => cells.push({ key: root.key, actor, expected: actor === "anonymous" ? "401" : row[actor], outcome: outcomes[i]! }));
    }
    expect(differences(cells)).toEqual([]);
  });

  it("refuses the agents' fields to users in the resolvers too: a root fragment hides them from the operation gate", async () => {
    // The gate reads root field names; `... on Mutation { reportStatus }` shows it none, so it
    // refuses the fragment to agents and anonymous callers and leaves users to the resolvers.
    const roots = listRootFields(api.server.schema).filter((r) => AGENT_ONLY_FIELDS.has(r.field.name));
    expect(roots.map((r) => r.field.name).sort()).toEqual([...AGENT_ONLY_FIELDS].sort());
    const cells: Cell[] = [];
    for (const root of [...roots, ...listRootFields(api.server.schema).filter((r) => r.key === "Query.me")]) {
      const outcomes = await attemptAll(root, { inFragment: true });
      ACTORS.forEach((actor, i) => {
        const expected: Expected = actor === "anonymous" ? "401" : actor === "agent" ? "403" : root.key === "Query.me" ? "ok" : "403";
        cells.push({ key: `${root.key} (in a fragment)`, actor, expected, outcome: outcomes[i]! });
      });
    }
    expect(differences(cells)).toEqual([]);
  });

  it("answers a non-member on every field that names P exactly as for a Project that does not exist", async () => {
    const roots = listRootFields(api.server.schema).filter((r) => r.key in MATRIX && namesProject(r));
    expect(roots.length).toBeGreaterThan(20);
    // Every Project here has a uniqueSlug("p"): P, a throwaway one like P (deleteProject), the missing one.
    const normalize = ({ outcome, message }: { outcome: Outcome; message?: string }) => `${outcome}: ${message?.replace(/p-[0-9a-f]{8}/g, "<project>") ?? ""}`;
    const differ: string[] = [];
    for (const root of roots) {
      const missing = uniqueSlug("p");
      const [hidden, none] = await Promise.all([attempt(root, "nonMember"), attempt(root, "nonMember", { project: missing })]);
      if (normalize(hidden) !== normalize(none)) differ.push(`${root.key}: P → ${normalize(hidden)}; missing → ${normalize(none)}`);
    }
    expect(differ).toEqual([]);
  });

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
      expect((await api.gql(UPDATE, { i: { id, ...change } }, token)).errors?.[0]?.extensions?.code, JSON.stringify(change)).toBe("FORBIDDEN");
    }
    expect((await api.ok(`{ me { isAdmin } }`, {}, token)).me).toEqual({ isAdmin: false });
  });

  it("gives a non-member the same NOT_FOUND for a Project's events as for a Project that does not exist", async () => {
    const query = `subscription($p: String!) { events(project: $p) { cursor } }`;
    const member = await firstAnswer(fx.socketOf("nonMember"), query, { p: fx.project });
    const missing = uniqueSlug("p");
    const none = await firstAnswer(fx.socketOf("nonMember"), query, { p: missing });
    expect(member.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(member.errors?.[0]?.message.replace(fx.project, "<slug>")).toBe(none.errors?.[0]?.message.replace(missing, "<slug>"));
    expect(Object.keys(member.errors![0]!.extensions!)).toEqual(Object.keys(none.errors![0]!.extensions!));
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
      expect(JSON.stringify(theirs.errors).replaceAll(hidden.slug, "<o>"), actor).toBe(JSON.stringify(none.errors).replaceAll(missing, "<o>"));
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
    const upload = (actor: ActorName) => fetch(`${api.server.url}/artifacts?project=${fx.project}`, { method: "POST", headers: headers(actor), body: archive });
    expect(await statuses(upload)).toEqual({ admin: 201, owner: 201, member: 201, readOnly: 403, nonMember: 404, agent: 404, anonymous: 401 });
    const { sha256 } = (await (await upload("member")).json()) as { sha256: string };
    const read = (actor: ActorName) => fetch(`${api.server.url}/artifacts/${sha256}`, { headers: headers(actor) });
    // The agent runs no Release of it.
    expect(await statuses(read)).toEqual({ admin: 200, owner: 200, member: 200, readOnly: 200, nonMember: 404, agent: 404, anonymous: 401 });
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
    await gqlOk(`mutation($p: String!, $s: String!) { updateStage(input: { project: $p, slug: $s, name: "dev again" }) { slug } }`, { p: fx.project, s: fx.stage });
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
      expect(Object.keys(link.outpost).sort(), actor).toEqual(["createdAt", "description", "id", "name", "region", "slug", "status", "statusSince", "uri"]);
      expect(link.agentVersion, actor).toBeNull();
      expect((await api.ok(LINK, { p: fx.project, s: fx.stage }, fx.tokens[actor]!)).stage.outpost, actor).toEqual({
        agentVersion: null,
        outpost: { labels: null, agentVersion: null, publicUrl: null, stageCount: null },
      });
    }
  });
});
