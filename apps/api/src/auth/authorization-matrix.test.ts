/**
 * The authorization matrix: every Query, Mutation and Subscription field of the executable
 * schema, run as each actor (admin, owner, member, read-only member, non-member, agent,
 * anonymous) against one Project and one Outpost, each answer compared with the table in
 * authorization-matrix.table.ts. Operations are generated from the schema (testing/schema-
 * operations.ts); the few fields that need particular input, or act on something they destroy,
 * get it from OVERRIDES, which prepares a throwaway target (as the admin) before each attempt,
 * so every attempt meets the same world. Queries and mutations go over HTTP, subscriptions over
 * graphql-ws (first message, or the error); queries and mutations once more over the socket;
 * the agents' fields once more inside a fragment, which hides them from the operation gate; and
 * every field that names P once more as the non-member, against a Project that does not exist.
 * What a root-field table cannot say is in authorization-boundaries.test.ts.
 */
import { randomBytes } from "node:crypto";
import { getNamedType, isInputObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstAnswer, startWorld, stopWorld, type World } from "../testing/authorization-world.js";
import { SIMPLE_MANIFEST } from "../testing/builds.js";
import { createTestProject, uniqueSlug, type TestApi } from "../testing/harness.js";
import { describeLockWaits } from "../testing/lock-waits.js";
import {
  buildOperation,
  fillArguments,
  listRootFields,
  operationProblems,
  type RootField,
  type ValueSlot,
} from "../testing/schema-operations.js";
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

/** A webhook of a throwaway Project with P's members in P's roles (each attempt's own: deleting it leaves P's alone). */
async function createThrowawayWebhook(): Promise<string> {
  const slug = await createTestProject(api);
  await fx.addMember(slug, fx.users.owner.email, "OWNER");
  await fx.addMember(slug, fx.users.member.email, "MEMBER");
  await fx.addMember(slug, fx.users.readOnly.email, "MEMBER");
  const { createWebhook } = await gqlOk(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, {
    i: { project: slug, ...WEBHOOK },
  });
  return createWebhook.id;
}

/** Nothing listens on the discard port: deliveries to it fail and wait, out of the way. */
const WEBHOOK = { url: "http://127.0.0.1:9/hook", events: ["RELEASE_FAILED"], secret: "matrix-secret-0123456789" };

const OVERRIDES: Record<string, Override> = {
  "Query.accessKeys": { args: () => ({ user: fx.bystander.email }) },
  "Query.projects": { selection: "{ slug }", reveals: hasProject },
  // P is the newest Project, last in the list: on a PostgreSQL database kept between runs an
  // admin's first page may end before it (hasNextPage). Members and non-members see a few only.
  "Query.projectsConnection": {
    args: () => ({ first: 500 }),
    selection: "{ edges { node { slug } } pageInfo { hasNextPage } }",
    reveals: (page: { edges: { node: { slug: string } }[]; pageInfo: { hasNextPage: boolean } }) =>
      hasProject(page.edges.map((e) => e.node)) || page.pageInfo.hasNextPage,
  },
  // Their arguments are optional since renamed (the old name kept, deprecated): name the target.
  "Query.project": { args: () => ({ project: fx.project }) },
  "Query.stage": { args: () => ({ project: fx.project, stage: fx.stage }) },
  "Query.outpost": { args: () => ({ outpost: fx.outpost }) },
  "Query.node": { args: () => ({ id: fx.stageId }), selection: "{ id }" },
  "Query.nodes": {
    args: () => ({ ids: [fx.stageId] }),
    selection: "{ id }",
    reveals: (nodes: ({ id: string } | null)[]) => nodes.some((n) => n?.id === fx.stageId),
  },
  // Members of P see O (granted to P by the admin's Stage on it); anyone else is told it does not exist.
  "Query.validateOutpostUri": { selection: "{ outpost { slug } }", reveals: (v) => v.outpost?.slug === fx.outpost },
  "Query.webhooks": { args: () => ({ project: fx.project }), selection: "{ id }" },
  "Mutation.createWebhook": { args: () => ({ input: { project: fx.project, ...WEBHOOK } }), selection: "{ id }" },
  "Mutation.deleteWebhook": { prepare: async () => ({ args: { id: await createThrowawayWebhook() } }) },
  "Mutation.updateWebhook": {
    prepare: async () => ({ args: { input: { id: await createThrowawayWebhook(), events: ["RELEASE_FAILED", "RELEASE_DEPLOYED"] } } }),
    selection: "{ id }",
  },
  "Mutation.sendTestWebhook": { prepare: async () => ({ args: { id: await createThrowawayWebhook() } }), selection: "{ id }" },
  // Its cursor is its own (<release>:<line>), not the log's.
  "Subscription.componentLogs": { args: () => ({ after: undefined }) },
  "Subscription.projectsChanged": { selection: "{ slug }", reveals: hasProject },
  "Subscription.healthChanged": {
    selection: "{ kind stages { project } }",
    reveals: (event: { stages: { project: string }[] }) => event.stages.some((s) => s.project === fx.project),
  },
  "Mutation.addConfigData": {
    args: () => ({ input: { project: fx.project, stage: fx.stage, env: [{ name: `E_${randomBytes(4).toString("hex")}`, value: "v" }] } }),
  },
  "Mutation.removeConfigData": {
    async prepare() {
      const name = `E_${randomBytes(4).toString("hex")}`;
      await gqlOk(
        `mutation($p: String!, $s: String!, $n: String!) { addConfigData(input: { project: $p, stage: $s, env: [{ name: $n, value: "v" }] }) { version } }`,
        { p: fx.project, s: fx.stage, n: name },
      );
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
  "Mutation.deployRelease": {
    prepare: async () => ({ args: { input: { project: fx.project, stage: await fx.createStage(), build: fx.build } } }),
  },
  "Mutation.promoteRelease": { prepare: async () => ({ args: { project: fx.project, from: fx.stage, to: await fx.createStage() } }) },
  "Mutation.deleteStage": { prepare: async () => ({ args: { project: fx.project, stage: await fx.createStage() } }) },
  "Mutation.restoreStage": { prepare: async () => ({ args: { project: fx.project, stage: await archivedStage() } }) },
  "Mutation.purgeStage": { prepare: async () => ({ args: { project: fx.project, stage: await archivedStage() } }) },
  "Mutation.restoreProject": {
    // An archived Project with P's members in P's roles.
    async prepare() {
      const slug = await createTestProject(api);
      await fx.addMember(slug, fx.users.owner.email, "OWNER");
      await fx.addMember(slug, fx.users.member.email, "MEMBER");
      await fx.addMember(slug, fx.users.readOnly.email, "MEMBER");
      await gqlOk(`mutation($p: String!) { deleteProject(project: $p) }`, { p: slug });
      return { args: { project: slug } };
    },
  },
  "Mutation.suspendStage": { prepare: async () => ({ args: { project: fx.project, stage: await fx.createStage() } }) },
  "Mutation.resumeStage": {
    async prepare() {
      const slug = await fx.createStage();
      await gqlOk(`mutation($p: String!, $s: String!) { suspendStage(project: $p, stage: $s) { state } }`, { p: fx.project, s: slug });
      return { args: { project: fx.project, stage: slug } };
    },
  },
  "Mutation.rollbackStage": { prepare: async () => ({ args: { project: fx.project, stage: await fx.createStage() } }) },
  "Mutation.updateStage": {
    prepare: async () => ({ args: { input: { project: fx.project, slug: await fx.createStage(), name: uniqueSlug("renamed") } } }),
  },
  "Mutation.deleteOutpost": { prepare: async () => ({ args: { outpost: (await fx.createOutpost()).slug } }) },
  "Mutation.rotateOutpostToken": { prepare: async () => ({ args: { outpost: (await fx.createOutpost()).slug } }) },
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
  // Sets DEV's nice level to what it is as installed: the same world for every actor and test.
  "Mutation.updateStagePolicy": { args: () => ({ input: { type: "DEV", nice: 10 } }), selection: "{ type }" },
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
      const { signIn } = await api.ok(
        `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`,
        { e: email, p: password },
        null as never,
      );
      return { token: signIn.token };
    },
  },
  "Mutation.createBackup": { args: () => ({ project: fx.project, stage: fx.stage, displayName: "matrix" }), selection: "{ id }" },
  "Mutation.restoreBackup": {
    args: () => ({ project: fx.project, stage: fx.stage, backup: "00000000-0000-4000-8000-000000000000" }),
    selection: "{ id }",
  },
  "Mutation.reportBackup": { args: () => ({ input: { backup: "not-a-backup", operation: "BACKUP" } }), selection: "{ id }" },
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

function classify(
  root: RootField,
  override: Override | undefined,
  data: any,
  errors: { message: string; extensions?: { code?: string } }[] | undefined,
): Outcome {
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
const PROJECT_SLUG_FIELDS = new Set(["Mutation.deleteProject"]);

/** A throwaway Stage of P, archived. */
async function archivedStage(): Promise<string> {
  const slug = await fx.createStage();
  await gqlOk(`mutation($p: String!, $s: String!) { deleteStage(project: $p, stage: $s) }`, { p: fx.project, s: slug });
  return slug;
}

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
    // As long as HTTP callers would wait; what holds it up is printed if it is slow.
    const answer = await firstAnswer(client, operation.query, operation.variables, {
      ms: 30_000,
      slowMs: 5_000,
      onSlow: () => void reportSlow(root.key, actor),
    });
    return { outcome: answer.outcome ?? classify(root, override, answer.data, answer.errors), message: answer.errors?.[0]?.message };
  }
  const res = await api.gql(operation.query, operation.variables, token);
  return { outcome: classify(root, override, res.data, res.errors), message: res.errors?.[0]?.message };
}

/** Says what a slow answer waits on (PostgreSQL's sessions), so a failure explains itself. */
async function reportSlow(key: string, actor: ActorName): Promise<void> {
  const waits = await describeLockWaits().catch((error: unknown) => `(could not read pg_stat_activity: ${error})`);
  console.warn(`${key} as ${actor}: no answer in 5 s over the socket\n${waits}`);
}

/** Every actor's attempt at one field, at once (each attempt prepares its own target). */
async function attemptAll(root: RootField, options: AttemptOptions = {}): Promise<Outcome[]> {
  return Promise.all(ACTORS.map(async (actor) => (await attempt(root, actor, options)).outcome));
}

beforeAll(async () => {
  ({ api, fx } = await startWorld());
}, 60_000);
afterAll(() => stopWorld({ api, fx }));

describe("the authorization matrix", () => {
  it("has a row for every root field of the schema, and none for a field it no longer has", () => {
    const fields = listRootFields(api.server.schema).map((r) => r.key);
    const missing = fields.filter((f) => !(f in MATRIX)).map((f) => `add a row to authorization-matrix.table.ts for ${f}`);
    const stale = Object.keys(MATRIX)
      .filter((k) => !fields.includes(k))
      .map((k) => `remove the row of ${k} from authorization-matrix.table.ts: the schema has no such field`);
    expect([...missing, ...stale]).toEqual([]);
    for (const [key, row] of Object.entries(MATRIX)) parseRow(key, row);
  });

  it("answers every field, for every actor, as the table says: 0 leaks", async () => {
    const roots = listRootFields(api.server.schema).filter((r) => r.key in MATRIX);
    const cells: Cell[] = [];
    for (const root of roots) {
      const row = parseRow(root.key, MATRIX[root.key]!);
      const outcomes = await attemptAll(root);
      for (const [i, actor] of ACTORS.entries()) cells.push({ key: root.key, actor, expected: row[actor], outcome: outcomes[i]! });
    }
    const allowedWithError = cells.filter((c) => c.outcome !== "OK" && answerClass(c.outcome) === "ok");
    const diff = differences(cells);
    console.info(
      `authorization matrix: ${roots.length} fields × ${ACTORS.length} actors = ${cells.length} answers; ${diff.length} differ from the table, ${diff.filter((d) => d.endsWith("LEAK")).length} leaks` +
        (allowedWithError.length
          ? `\nallowed, with a business error: ${allowedWithError.map((c) => `${c.key}/${c.actor}=${c.outcome}`).join(", ")}`
          : ""),
    );
    expect(diff, `\n${diff.join("\n")}\n`).toEqual([]);
  });

  it("answers every query and mutation over the socket as over HTTP (anonymous callers: no socket at all)", {
    timeout: 180_000,
  }, async () => {
    // signOut ends the session its socket runs on: the socket closes (4403) before the answer.
    const roots = listRootFields(api.server.schema).filter(
      (r) => r.kind !== "subscription" && r.key in MATRIX && r.key !== "Mutation.signOut",
    );
    const cells: Cell[] = [];
    for (const root of roots) {
      const row = parseRow(root.key, MATRIX[root.key]!);
      const outcomes = await attemptAll(root, { overSocket: true });
      for (const [i, actor] of ACTORS.entries()) {
        cells.push({ key: root.key, actor, expected: actor === "anonymous" ? "401" : row[actor], outcome: outcomes[i]! });
      }
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
    const normalize = ({ outcome, message }: { outcome: Outcome; message?: string }) =>
      `${outcome}: ${message?.replace(/p-[0-9a-f]{8}/g, "<project>") ?? ""}`;
    const differ: string[] = [];
    for (const root of roots) {
      const missing = uniqueSlug("p");
      const [hidden, none] = await Promise.all([attempt(root, "nonMember"), attempt(root, "nonMember", { project: missing })]);
      if (normalize(hidden) !== normalize(none)) differ.push(`${root.key}: P → ${normalize(hidden)}; missing → ${normalize(none)}`);
    }
    expect(differ).toEqual([]);
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
