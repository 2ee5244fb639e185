/**
 * Outposts belong to Projects: admins grant them (or grant by placing a Stage), members place
 * Stages only on granted ones and see only those, and then only what the Stage form shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, createTestUser, startTestApi, uniqueSlug, type TestApi } from "../testing/harness.js";

const GRANT = `mutation($o: String!, $p: String!) { grantOutpost(outpost: $o, project: $p) { slug projects { slug } } }`;
const REVOKE = `mutation($o: String!, $p: String!) { revokeOutpost(outpost: $o, project: $p) { slug projects { slug } } }`;
const CREATE_STAGE = `mutation($i: CreateStageInput!) { createStage(input: $i) { slug outpost { outpost { slug } } } }`;
const VALIDATE = `query($u: String!) { validateOutpostUri(uri: $u) { valid problems { code message warning }
  outpost { slug uri name description region status labels agentVersion publicUrl lastSeenAt latencyMs heartbeatIntervalSeconds offlineAfterSeconds stageCount history { kind } projects { slug } } } }`;
const AUDIT = `query($p: String!) { auditLog(project: $p, first: 20) { action actor detail project } }`;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

async function createOutpost(): Promise<string> {
  const slug = uniqueSlug("edge");
  await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { outpost { slug } } }`, {
    i: { name: `Factory ${slug}`, slug, description: "line 2", region: "eu-central", labels: ["site=berlin"] },
  });
  return slug;
}

const stageInput = (project: string, outpost: string, slug = uniqueSlug("s")) => ({
  i: { project, name: slug, slug, type: "PROD", outpostUri: `outpost://${outpost}` },
});

describe("Outpost grants", () => {
  it("lets a member place a Stage only on an Outpost granted to the Project", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const outpost = await createOutpost();

    // Granted to none of the member's Projects, it does not exist for them (as in validateOutpostUri).
    const refused = await api.gql(CREATE_STAGE, stageInput(project, outpost), member.token);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "outpostUri" });
    expect(refused.errors?.[0]?.message).toBe(
      `outpostUri: no Outpost "${outpost}" is available to your Projects (an admin registers Outposts and grants them to Projects)`,
    );
    expect((await api.ok(`query($p: String!) { stages(project: $p) { slug } }`, { p: project }, member.token)).stages).toEqual([]);

    const { grantOutpost } = await api.ok(GRANT, { o: outpost, p: project });
    expect(grantOutpost).toEqual({ slug: outpost, projects: [{ slug: project }] });
    const placed = await api.ok(CREATE_STAGE, stageInput(project, outpost, "edge"), member.token);
    expect(placed.createStage).toEqual({ slug: "edge", outpost: { outpost: { slug: outpost } } });

    // Granted to one Project is not granted to the member's other one.
    const second = await createTestProject(api);
    await api.ok(`mutation($p: String!, $e: String!) { addMember(project: $p, email: $e, role: MEMBER) { role } }`, {
      p: second,
      e: member.email,
    });
    const other = await api.gql(CREATE_STAGE, stageInput(second, outpost), member.token);
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "outpostUri" });
    expect(other.errors?.[0]?.message).toBe(`Outpost "${outpost}" is not granted to this Project: an admin grants it (grantOutpost)`);

    const audit = (await api.ok(AUDIT, { p: project })).auditLog;
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "OUTPOST_GRANTED",
        project,
        detail: expect.objectContaining({ outpost, project, via: "grantOutpost" }),
      }),
    );
  });

  it("grants the Outpost when an admin places a Stage on it", async () => {
    const project = await createTestProject(api);
    const outpost = await createOutpost();
    await api.ok(CREATE_STAGE, stageInput(project, outpost));
    const { outpost: seen } = await api.ok(`query($s: String!) { outpost(slug: $s) { projects { slug } } }`, { s: outpost });
    expect(seen.projects).toEqual([{ slug: project }]);
    const audit = (await api.ok(AUDIT, { p: project })).auditLog;
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "OUTPOST_GRANTED", detail: expect.objectContaining({ outpost, via: "createStage" }) }),
    );
    // A second Stage finds it granted: one grant, one audit entry.
    await api.ok(CREATE_STAGE, stageInput(project, outpost));
    expect((await api.ok(AUDIT, { p: project })).auditLog.filter((e: { action: string }) => e.action === "OUTPOST_GRANTED")).toHaveLength(
      1,
    );
  });

  it("refuses to revoke while the Project has Stages on the Outpost, naming them", async () => {
    const project = await createTestProject(api);
    const outpost = await createOutpost();
    await api.ok(CREATE_STAGE, stageInput(project, outpost, "berlin"));
    await api.ok(CREATE_STAGE, stageInput(project, outpost, "munich"));
    const refused = await api.gql(REVOKE, { o: outpost, p: project });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "STATE_CONFLICT", stages: ["berlin", "munich"] });
    expect(refused.errors?.[0]?.message).toBe(
      `Project "${project}" still has Stages "berlin", "munich" on Outpost "${outpost}" (archived ones too): delete and purge them first`,
    );

    for (const stage of ["berlin", "munich"]) {
      await api.ok(`mutation($p: String!, $s: String!) { deleteStage(project: $p, slug: $s) }`, { p: project, s: stage });
      await api.ok(`mutation($p: String!, $s: String!) { purgeStage(project: $p, stage: $s, confirm: $s) }`, { p: project, s: stage });
    }
    expect((await api.ok(REVOKE, { o: outpost, p: project })).revokeOutpost).toEqual({ slug: outpost, projects: [] });
    // Revoking what is not granted changes nothing.
    expect((await api.ok(REVOKE, { o: outpost, p: project })).revokeOutpost.projects).toEqual([]);
    const audit = (await api.ok(AUDIT, { p: project })).auditLog;
    expect(audit.filter((e: { action: string }) => e.action === "OUTPOST_REVOKED")).toEqual([
      expect.objectContaining({ action: "OUTPOST_REVOKED", project, detail: { outpost, project } }),
    ]);

    const member = await createTestUser(api, { projects: [project] });
    expect((await api.gql(CREATE_STAGE, stageInput(project, outpost), member.token)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("lets only admins grant and revoke; unknown Outposts and Projects are NOT_FOUND", async () => {
    const project = await createTestProject(api);
    const outpost = await createOutpost();
    const owner = await createTestUser(api, { projects: [project], role: "OWNER" });
    for (const mutation of [GRANT, REVOKE]) {
      const refused = await api.gql(mutation, { o: outpost, p: project }, owner.token);
      expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await api.gql(mutation, { o: "no-such-outpost", p: project })).errors?.[0]?.extensions).toMatchObject({
        code: "NOT_FOUND",
        field: "outpost",
      });
      expect((await api.gql(mutation, { o: outpost, p: "no-such-project" })).errors?.[0]?.extensions).toMatchObject({
        code: "NOT_FOUND",
        field: "project",
      });
    }
    expect((await api.ok(`query($s: String!) { outpost(slug: $s) { projects { slug } } }`, { s: outpost })).outpost.projects).toEqual([]);
  });
});

describe("validateOutpostUri by who asks", () => {
  it("tells a member of no granted Project what it tells of a missing Outpost", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const outpost = await createOutpost();
    const hidden = (await api.ok(VALIDATE, { u: `outpost://${outpost}` }, member.token)).validateOutpostUri;
    const missing = (await api.ok(VALIDATE, { u: "outpost://no-such-outpost" }, member.token)).validateOutpostUri;
    expect(hidden).toEqual({
      valid: false,
      outpost: null,
      problems: [{ code: "UNKNOWN_OUTPOST", warning: false, message: expect.any(String) }],
    });
    expect(missing.problems[0].code).toBe("UNKNOWN_OUTPOST");
    expect(hidden.problems[0].message.replace(outpost, "X")).toBe(missing.problems[0].message.replace("no-such-outpost", "X"));
    // Granted to another Project, of which the member is not a member: still unknown.
    await api.ok(GRANT, { o: outpost, p: await createTestProject(api) });
    expect((await api.ok(VALIDATE, { u: `outpost://${outpost}` }, member.token)).validateOutpostUri.outpost).toBeNull();
  });

  it("shows a member the name, description, region and status of a granted Outpost, nothing more", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const outpost = await createOutpost();
    // Another Project's Stage on it: its count is not the member's business.
    await api.ok(CREATE_STAGE, stageInput(await createTestProject(api), outpost));
    await api.ok(GRANT, { o: outpost, p: project });
    const seen = (await api.ok(VALIDATE, { u: `outpost://${outpost}` }, member.token)).validateOutpostUri;
    expect(seen).toEqual({
      valid: true,
      problems: [{ code: "NEVER_CONNECTED", warning: true, message: expect.any(String) }],
      outpost: {
        slug: outpost,
        uri: `outpost://${outpost}`,
        name: `Factory ${outpost}`,
        description: "line 2",
        region: "eu-central",
        status: "PENDING",
        labels: null,
        agentVersion: null,
        publicUrl: null,
        lastSeenAt: null,
        latencyMs: null,
        heartbeatIntervalSeconds: null,
        offlineAfterSeconds: null,
        stageCount: null,
        history: null,
        projects: [{ slug: project }],
      },
    });
  });

  it("shows an admin every fact", async () => {
    const project = await createTestProject(api);
    const outpost = await createOutpost();
    await api.ok(CREATE_STAGE, stageInput(project, outpost));
    const seen = (await api.ok(VALIDATE, { u: `outpost://${outpost}` })).validateOutpostUri;
    expect(seen.valid).toBe(true);
    expect(seen.outpost).toMatchObject({
      slug: outpost,
      labels: ["site=berlin"],
      heartbeatIntervalSeconds: 5,
      offlineAfterSeconds: 20,
      stageCount: 1,
      history: [{ kind: "created" }],
      projects: [{ slug: project }],
    });
    // A read-only admin key sees them too: these are reads.
    const admin = await createTestUser(api, { isAdmin: true, readOnly: true });
    expect((await api.ok(VALIDATE, { u: `outpost://${outpost}` }, admin.token)).validateOutpostUri.outpost.stageCount).toBe(1);
  });

  it("hides the admins' facts of a member's own Stage's Outpost too", async () => {
    const project = await createTestProject(api);
    const member = await createTestUser(api, { projects: [project] });
    const outpost = await createOutpost();
    await api.ok(GRANT, { o: outpost, p: project });
    await api.ok(CREATE_STAGE, stageInput(project, outpost, "edge"), member.token);
    const { stage } = await api.ok(
      `query($p: String!) { stage(project: $p, slug: "edge") { outpost { outpost { slug name labels stageCount history { kind } } } } }`,
      { p: project },
      member.token,
    );
    expect(stage.outpost.outpost).toEqual({ slug: outpost, name: `Factory ${outpost}`, labels: null, stageCount: null, history: null });
  });
});
