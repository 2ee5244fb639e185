/**
 * Secret config reaches only the agent that runs its Stage: an agent token of Outpost A sees
 * A's Stages (secrets decrypted), never those of Outpost B or of the local Outpost, and the
 * other way round. At rest the secret value is encrypted; a plaintext one stored before
 * encryption existed still reaches the agent, and is encrypted by the next change.
 */
import { configurations, configurationVersions } from "@pergola/db/schema";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, subscribe, uniqueSlug, type TestApi } from "../testing/harness.js";
import type { ConfigVersionData } from "../configurations/configuration.rules.js";

const DESIRED = `subscription { desiredState { full stages { stageId key release { id config { env files } } } } }`;
const localToken = generateToken();

let api: TestApi;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi({ localAgentToken: localToken });
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

type Desired = {
  stageId: string;
  key: string;
  release: { id: string; config: { env: Record<string, string>; files: Record<string, string> } } | null;
};

async function createOutpost(): Promise<{ slug: string; token: string }> {
  const slug = uniqueSlug("op");
  const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
    i: { name: slug, slug },
  });
  return { slug, token: createOutpost.agentToken };
}

/** A Stage (on `outpost`, or the local one) with a secret and a plain entry, deployed. */
async function deployStage(project: string, stage: string, secret: string, outpost?: string): Promise<void> {
  await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, {
    i: { project, name: stage, type: "DEV", ...(outpost && { outpostUri: `outpost://${outpost}` }) },
  });
  await api.ok(
    `mutation($p: String!, $s: String!, $v: String!) { addConfigData(input: { project: $p, stage: $s, env: [{ name: "API_KEY", value: $v, secret: true }, { name: "MODE", value: "plain" }], files: [{ name: "key.pem", content: $v, secret: true }] }) { version } }`,
    {
      p: project,
      s: stage,
      v: secret,
    },
  );
  const [build] = await createBuilds(api, project, artifact, 1);
  await api.ok(`mutation($p: String!, $s: String!, $b: String!) { deployRelease(input: { project: $p, stage: $s, build: $b }) { id } }`, {
    p: project,
    s: stage,
    b: build,
  });
}

async function fullStateOf(token: string): Promise<Desired[]> {
  const sub = subscribe(api.ws(token), DESIRED, {});
  try {
    const { desiredState } = await sub.next(10_000);
    expect(desiredState.full).toBe(true);
    return desiredState.stages;
  } finally {
    sub.close();
  }
}

describe("the desired state of an agent", () => {
  it("holds its own Outpost's Stages only, with their secrets decrypted", async () => {
    const [a, b] = [await createOutpost(), await createOutpost()];
    const project = await createTestProject(api);
    const secrets = { a: `secret-a-${uniqueSlug()}`, b: `secret-b-${uniqueSlug()}`, local: `secret-local-${uniqueSlug()}` };
    await deployStage(project, "on-a", secrets.a, a.slug);
    await deployStage(project, "on-b", secrets.b, b.slug);
    await deployStage(project, "here", secrets.local);

    const seen = { a: await fullStateOf(a.token), b: await fullStateOf(b.token), local: await fullStateOf(localToken) };
    expect(seen.a.map((s) => s.key)).toEqual([`${project}/on-a`]);
    expect(seen.b.map((s) => s.key)).toEqual([`${project}/on-b`]);
    expect(seen.local.map((s) => s.key)).toContain(`${project}/here`);
    expect(seen.local.map((s) => s.key)).not.toContain(`${project}/on-a`);
    for (const who of ["a", "b", "local"] as const) {
      const mine = seen[who].find((s) => s.key.startsWith(`${project}/`))!;
      expect(mine.release?.config).toEqual({ env: { API_KEY: secrets[who], MODE: "plain" }, files: { "key.pem": secrets[who] } });
      const text = JSON.stringify(seen[who]);
      for (const other of (["a", "b", "local"] as const).filter((o) => o !== who)) expect(text).not.toContain(secrets[other]);
    }
  });

  it("keeps secret values encrypted at rest; reads plaintext ones stored before, and encrypts them on the next change", async () => {
    const project = await createTestProject(api);
    const secret = `at-rest-${uniqueSlug()}`;
    await deployStage(project, "dev", secret);
    const db = api.server.database.db;
    const configId = await configurationIdOf(project);
    const stored = await db.select().from(configurationVersions).where(eq(configurationVersions.configurationId, configId));
    expect(stored).toHaveLength(1);
    const raw = JSON.stringify(stored[0]!.data);
    expect(raw).not.toContain(secret);
    const entries = (stored[0]!.data as ConfigVersionData).entries;
    expect(entries.find((e) => e.name === "API_KEY")).toMatchObject({
      secret: true,
      encrypted: true,
      value: expect.stringMatching(/^v1:/),
    });
    expect(entries.find((e) => e.name === "MODE")).toEqual({ kind: "ENV", name: "MODE", value: "plain", secret: false });

    // As a version written before encryption existed holds it: plaintext, no marker.
    const legacy = `legacy-${uniqueSlug()}`;
    const plain = entries.map((e) => (e.secret ? { kind: e.kind, name: e.name, value: legacy, secret: true } : e));
    await db
      .update(configurationVersions)
      .set({ data: { entries: plain } })
      .where(eq(configurationVersions.configurationId, configId));
    const local = (await fullStateOf(localToken)).find((s) => s.key === `${project}/dev`)!;
    expect(local.release?.config).toEqual({ env: { API_KEY: legacy, MODE: "plain" }, files: { "key.pem": legacy } });

    await api.ok(
      `mutation($p: String!) { addConfigData(input: { project: $p, stage: "dev", env: [{ name: "MORE", value: "x" }] }) { version } }`,
      { p: project },
    );
    const [second] = await db
      .select()
      .from(configurationVersions)
      .where(and(eq(configurationVersions.configurationId, configId), eq(configurationVersions.version, 2)));
    expect(JSON.stringify(second!.data)).not.toContain(legacy);
    expect((second!.data as ConfigVersionData).entries.filter((e) => e.secret).every((e) => e.encrypted)).toBe(true);
    // The API never shows a secret's value, encrypted or not.
    const { stage: view } = await api.ok(
      `query($p: String!) { stage(project: $p, slug: "dev") { configs { data { name value secret } } } }`,
      { p: project },
    );
    expect(JSON.stringify(view)).not.toContain(legacy);
  });
});

async function configurationIdOf(project: string): Promise<string> {
  const { stage } = await api.ok(`query($p: String!) { stage(project: $p, slug: "dev") { id } }`, { p: project });
  const db = api.server.database.db;
  const [row] = await db.select({ id: configurations.id }).from(configurations).where(eq(configurations.stageId, stage.id));
  return row!.id;
}
