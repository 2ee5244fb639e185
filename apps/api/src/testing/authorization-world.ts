/**
 * The world the authorization matrix (auth/authorization-matrix.test.ts) runs in: a Project P
 * with a Stage on an Outpost O (labelled, its agent connected with a version and a public URL),
 * a Configuration, a Build and a Release the agent reported running with output; a user for
 * each role in P, a non-member (owner of a Project of its own, holding P's artifact there) and
 * a bystander; a socket per actor; and throwaway targets, made by the admin, for the fields
 * that destroy what they act on.
 */
import type { MemberRole } from "@pergola/schema";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { ActorName } from "../auth/authorization-matrix.table.js";
import { makeArchive } from "./archive.js";
import { createBuilds } from "./builds.js";
import { createTestProject, createTestUser, startTestApi, subscribe, uniqueSlug, type TestApi, type TestUser } from "./harness.js";

export interface World {
  project: string;
  /** P's Stage on O. */
  stage: string;
  stageId: string;
  /** A cursor of P's log before its Stage was created: subscriptions `after` it replay at once. */
  cursor: string;
  build: string;
  artifact: string;
  outpost: string;
  /** A user in no Project: "someone else" for the user and access-key fields. */
  bystander: TestUser;
  users: Record<"owner" | "member" | "readOnly" | "nonMember", TestUser>;
  /** null: anonymous. */
  tokens: Record<ActorName, string | null>;
  /** One socket per actor, opened on first use (the agent's as its agent opens it). */
  socketOf(actor: ActorName): Client;
  /** A socket as an Outpost's agent opens it, with its version and public URL. */
  agentSocket(token: string): Client;
  createStage(): Promise<string>;
  createOutpost(labels?: string[]): Promise<{ slug: string; token: string }>;
  /** A user without a password (nobody signs in as it), to act on. */
  createBareUser(): Promise<{ id: string; email: string }>;
  addMember(project: string, email: string, role: MemberRole): Promise<void>;
  /** An enabled access key of a new user. */
  createOthersKey(): Promise<string>;
  close(): Promise<void>;
}

export const AGENT_VERSION = "pergola-agent/matrix";
export const AGENT_PUBLIC_URL = "http://127.0.0.1:4999";

/** An API (Outposts flushed and monitored quickly, as the matrix needs) and the world in it. */
export async function startWorld(): Promise<{ api: TestApi; fx: World }> {
  const api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
  return { api, fx: await createWorld(api) };
}

/** Ends what startWorld started (either may be missing if it failed). */
export async function stopWorld(world: { api?: TestApi; fx?: World }): Promise<void> {
  await world.fx?.close();
  await world.api?.close();
}

export async function createWorld(api: TestApi): Promise<World> {
  const admin = (query: string, variables: Record<string, unknown> = {}) => api.ok(query, variables);
  const agentSockets: Client[] = [];
  const agentSocket = (token: string) => {
    const client = createClient({
      url: api.server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: token, agentVersion: AGENT_VERSION, publicUrl: AGENT_PUBLIC_URL },
      retryAttempts: 0,
      lazy: true,
    });
    agentSockets.push(client);
    return client;
  };
  const createOutpost = async (labels: string[] = []) => {
    const slug = uniqueSlug("o");
    const { createOutpost } = await admin(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
      i: { name: slug, slug, labels },
    });
    return { slug, token: createOutpost.agentToken as string };
  };
  const upload = async (archive: Buffer, project: string, token: string): Promise<string> => {
    const res = await fetch(`${api.server.url}/artifacts?project=${project}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: new Uint8Array(archive),
    });
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { sha256: string }).sha256;
  };

  const project = await createTestProject(api);
  const { project: created } = await admin(`query($p: String!) { project(slug: $p) { cursor } }`, { p: project });
  const outpost = await createOutpost(["site=berlin"]);
  const { createStage: dev } = await admin(
    `mutation($p: String!, $u: String!) { createStage(input: { project: $p, name: "dev", type: DEV, outpostUri: $u }) { slug } }`,
    {
      p: project,
      u: `outpost://${outpost.slug}`,
    },
  );
  await admin(
    `mutation($p: String!, $s: String!) { addConfigData(input: { project: $p, stage: $s, env: [{ name: "GREETING", value: "hi" }] }) { version } }`,
    { p: project, s: dev.slug },
  );
  const [owner, member, readOnly, nonMember, bystander] = await Promise.all([
    createTestUser(api, { projects: [project], role: "OWNER" }),
    createTestUser(api, { projects: [project], role: "MEMBER" }),
    createTestUser(api, { projects: [project], readOnly: true }),
    createTestUser(api),
    createTestUser(api),
  ]);
  // One artifact, uploaded for P and, by the non-member, for a Project of its own: the
  // non-member may read it, so what keeps it from building in P is P's door, not the artifact's.
  const archive = await makeArchive({ "server.js": "require('node:http').createServer((q, s) => s.end('hi')).listen(process.env.PORT)" });
  const artifact = await upload(archive, project, api.adminToken);
  if ((await upload(archive, await createTestProject(api, nonMember.token), nonMember.token)) !== artifact)
    throw new Error("one archive, two SHA-256s");
  const [build] = await createBuilds(api, project, artifact, 1);

  // The agent takes the Release and reports its Component running, with output (over its
  // socket, as agents do): the Component, log and link subscriptions have something to send first.
  const agent = agentSocket(outpost.token);
  const desired = subscribe(agent, `subscription { desiredState { stages { stageId key generation release { id } } } }`, {});
  await admin(`mutation($p: String!, $s: String!, $b: String!) { deployRelease(input: { project: $p, stage: $s, build: $b }) { id } }`, {
    p: project,
    s: dev.slug,
    b: build,
  });
  let stage: { stageId: string; generation: number; release: { id: string } | null } | undefined;
  while (!stage?.release)
    stage = (await desired.next(10_000)).desiredState.stages.find((s: { key: string }) => s.key === `${project}/${dev.slug}`);
  const component = {
    name: "web",
    kind: "SERVICE",
    state: "RUNNING",
    health: "HEALTHY",
    restarts: 0,
    logs: ["listening"],
    observedAt: new Date().toISOString(),
  };
  const report = await firstAnswer(agent, `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`, {
    i: { stageId: stage.stageId, releaseId: stage.release.id, observedGeneration: stage.generation, components: [component] },
  });
  if (!report.data?.reportStatus?.accepted) throw new Error(`the agent's report was refused: ${JSON.stringify(report)}`);
  desired.close();
  await agent.dispose();

  const tokens: World["tokens"] = {
    admin: api.adminToken,
    owner: owner.token,
    member: member.token,
    readOnly: readOnly.token,
    nonMember: nonMember.token,
    agent: outpost.token,
    anonymous: null,
  };
  const sockets = new Map<ActorName, Client>();
  return {
    project,
    stage: dev.slug,
    stageId: stage.stageId,
    cursor: created.cursor,
    build: build!,
    artifact,
    outpost: outpost.slug,
    bystander,
    users: { owner, member, readOnly, nonMember },
    tokens,
    socketOf(actor) {
      let client = sockets.get(actor);
      if (!client) {
        client = actor === "agent" ? agentSocket(outpost.token) : api.ws(tokens[actor]);
        sockets.set(actor, client);
      }
      return client;
    },
    async createStage() {
      const { createStage } = await admin(
        `mutation($p: String!, $n: String!) { createStage(input: { project: $p, name: $n, type: DEV }) { slug } }`,
        { p: project, n: uniqueSlug("s") },
      );
      return createStage.slug;
    },
    agentSocket,
    createOutpost,
    async createBareUser() {
      const email = `${uniqueSlug("x")}@example.test`;
      const { createUser } = await admin(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, {
        i: { email, name: email.split("@")[0] },
      });
      return { id: createUser.id, email };
    },
    async addMember(target, email, role) {
      await admin(`mutation($p: String!, $e: String!, $r: MemberRole!) { addMember(project: $p, email: $e, role: $r) { role } }`, {
        p: target,
        e: email,
        r: role,
      });
    },
    async createOthersKey() {
      const other = await createTestUser(api);
      const { createAccessKey } = await api.ok(
        `mutation { createAccessKey(input: { name: "victim" }) { accessKey { id } } }`,
        {},
        other.token,
      );
      return createAccessKey.accessKey.id;
    },
    async close() {
      await Promise.all(agentSockets.map((c) => c.dispose()));
    },
  };
}

export interface FirstAnswer {
  data?: any;
  errors?: { message: string; extensions?: Record<string, any> }[];
  /** What ended it without a GraphQL answer: the code of a closed socket (4401 UNAUTHENTICATED, 4403 FORBIDDEN), TIMEOUT, COMPLETED. */
  outcome?: string;
}

export interface AnswerWait {
  /** Given up after this long: the answer is TIMEOUT. Default 10 s. */
  ms?: number;
  /** Called once if no answer came in `slowMs` (default ms / 2): to say what the server is waiting on. */
  onSlow?: () => void;
  slowMs?: number;
}

/** The first answer of an operation over a socket: its first message, or its error. */
export function firstAnswer(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  wait: AnswerWait = {},
): Promise<FirstAnswer> {
  const ms = wait.ms ?? 10_000;
  return new Promise((resolve) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    const finish = (answer: FirstAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(slow);
      queueMicrotask(() => unsubscribe?.());
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ outcome: "TIMEOUT" }), ms);
    const slow = wait.onSlow ? setTimeout(wait.onSlow, wait.slowMs ?? ms / 2) : undefined;
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => finish({ data: result.data, errors: result.errors as FirstAnswer["errors"] }),
        error: (error: any) => {
          if (Array.isArray(error)) return finish({ errors: error });
          const close = ({ 4401: "UNAUTHENTICATED", 4403: "FORBIDDEN" } as Record<number, string>)[error?.code];
          finish({ outcome: close ?? `SOCKET(${error?.code ?? error?.message})` });
        },
        complete: () => finish({ outcome: "COMPLETED" }),
      },
    );
  });
}
