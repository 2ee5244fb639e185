/**
 * A test playing an Outpost's agent: an Outpost with a Stage on it, the agent's socket, and a
 * report that puts one Component `web` RUNNING. Lets a test cause Component and link events and
 * read Components and OutpostLinks without a real agent.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createBuilds } from "./builds.js";
import { eventually, subscribe, uniqueSlug, type TestApi } from "./harness.js";

/** The agent's socket; `run` sends one operation and resolves with its data. */
export function agentClient(api: TestApi, token: string): Client {
  return createClient({
    url: api.server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token, agentVersion: "pergola-agent/test" },
    retryAttempts: 0,
  });
}

export function run(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    let data: unknown;
    client.subscribe(
      { query, variables },
      {
        next(result) {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          else data = result.data;
        },
        error: reject,
        complete: () => resolve(data),
      },
    );
  });
}

/** A new Outpost granted to `project`, registered by the admin. */
export async function createGrantedOutpost(
  api: TestApi,
  project: string,
  extra: Record<string, unknown> = {},
): Promise<{ slug: string; token: string }> {
  const slug = uniqueSlug("edge");
  const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
    i: { name: `Factory ${slug}`, slug, ...extra },
  });
  await api.ok(`mutation($p: String!, $o: String!) { grantOutpost(outpost: $o, project: $p) { slug } }`, { p: project, o: slug });
  return { slug, token: createOutpost.agentToken };
}

export interface ReportedComponent {
  name?: string;
  state?: string;
  health?: string;
  restarts?: number;
  host?: string;
  message?: string | null;
  observedAt?: string;
  logs?: string[];
}

/**
 * Deploys a new Build of `artifact` to `stage` (on the Outpost of `token`) and reports its
 * Component `web` as the agent: connected, heartbeating, applied. Returns the ids it acted on.
 */
/** Waits (10 s at most) until the Outpost's status reads `status`: a heartbeat taken in, a socket's close. */
export async function untilOutpostStatus(api: TestApi, slug: string, status: string): Promise<void> {
  await eventually(
    async () =>
      (await api.ok(`query($o: String!) { outpost(slug: $o) { status } }`, { o: slug })).outpost.status === status ? true : undefined,
    10_000,
    `Outpost ${slug} did not go ${status}`,
  );
}

export async function deployAndReport(
  api: TestApi,
  options: { project: string; stage: string; artifact: string; token: string; config?: string; component?: ReportedComponent },
): Promise<{ stageId: string; releaseId: string }> {
  const [build] = await createBuilds(api, options.project, options.artifact, 1);
  await api.ok(
    `mutation($p: String!, $s: String!, $b: String!, $c: String) { deployRelease(input: { project: $p, stage: $s, build: $b, config: $c }) { id } }`,
    {
      p: options.project,
      s: options.stage,
      b: build,
      c: options.config ?? null,
    },
  );
  const client = agentClient(api, options.token);
  try {
    const desired = subscribe(client, `subscription { desiredState { stages { stageId key generation release { id } } } }`, {});
    const { stages } = (await desired.next()).desiredState;
    const target = stages.find((s: { key: string }) => s.key === `${options.project}/${options.stage}`);
    await run(client, `mutation { heartbeat(latencyMs: 4) { accepted } }`);
    // The heartbeat is written with the next flush: reported before it, the Components would be
    // seen from a CONNECTING Outpost (health UNKNOWN) — report once the Outpost is ONLINE.
    const outpost = await api.ok(`query($p: String!, $s: String!) { stage(project: $p, stage: $s) { outpost { outpost { slug } } } }`, {
      p: options.project,
      s: options.stage,
    });
    const slug: string = outpost.stage.outpost.outpost.slug;
    await untilOutpostStatus(api, slug, "ONLINE");
    const component = {
      name: "web",
      kind: "SERVICE",
      state: "RUNNING",
      health: "HEALTHY",
      restarts: 0,
      host: "127.0.0.9",
      message: null,
      ...options.component,
    };
    const report = {
      stageId: target.stageId,
      releaseId: target.release.id,
      observedGeneration: target.generation,
      components: [component],
    };
    const { reportStatus } = await run(client, `mutation($i: StatusReportInput!) { reportStatus(input: $i) { accepted reason } }`, {
      i: report,
    });
    if (!reportStatus.accepted) throw new Error(`report refused: ${reportStatus.reason}`);
    desired.close();
    return { stageId: target.stageId, releaseId: target.release.id };
  } finally {
    await client.dispose();
  }
}
