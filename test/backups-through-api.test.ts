/**
 * Backups end to end (README "Backups"): a real API, the in-process agent running examples/hello
 * as it ships, and only GraphQL and the Stage's link to look at them. A backup is taken of the
 * visit counter's storage, the counter moves on, the Stage is suspended and the backup restored:
 * the old count is back. Around it, the typed refusals. The same on a remote Outpost, whose agent
 * uploads and downloads the archives with the Outpost's token and serves the link itself — and,
 * run as root, runs the Stage as a user of its own (as `pergola-agent` does), who must be able to
 * read and write the restored files.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestProject, eventually } from "../apps/api/src/testing/harness.js";
import { createBuild, createStage, deploy, getStage, startStack, uploadHello, type Stack } from "./support/stack.js";
import { useTestStageUsers } from "./support/stage-users.js";

const stageUsers = useTestStageUsers();

const BACKUP = "{ id displayName state message size createdAt storages { name ready } restoreState restoreMessage }";

interface BackupView {
  id: string;
  displayName: string;
  state: string;
  message: string | null;
  /** UnsignedInt64: decimal digits. */
  size: string;
  storages: { name: string; ready: boolean }[];
  restoreState: string | null;
  restoreMessage: string | null;
}

async function listBackups(stack: Stack, project: string, stage: string): Promise<BackupView[]> {
  return (await stack.api.ok(`query($p: String!, $s: String!) { backups(project: $p, stage: $s) ${BACKUP} }`, { p: project, s: stage }))
    .backups;
}

async function waitForBackup(stack: Stack, project: string, id: string, wanted: (b: BackupView) => boolean, what: string) {
  return eventually(async () => (await listBackups(stack, project, "dev")).find((b) => b.id === id && wanted(b)), 20_000, what);
}

async function waitForStage(stack: Stack, project: string, wanted: (s: Awaited<ReturnType<typeof getStage>>) => boolean, what: string) {
  return eventually(
    async () => {
      const stage = await getStage(stack.api, project, "dev");
      return wanted(stage) ? stage : undefined;
    },
    20_000,
    what,
  );
}

describe("backups through the API, with the agent", () => {
  it("a backup taken, data changed, restored: the old visit count is back; typed refusals around it", async () => {
    const stack = await startStack();
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 1);
    await createStage(api, project, "empty");
    const hello = await uploadHello(stack, project);
    const build = await createBuild(api, project, hello.manifest, hello.sha256);

    // A Stage with no storage (nothing deployed): nothing to back up.
    const none = await api.gql(`mutation($p: String!) { createBackup(project: $p, stage: "empty", displayName: "x") { id } }`, {
      p: project,
    });
    expect(none.errors?.[0]).toMatchObject({
      message: 'Stage "empty" has no standard storage to back up',
      extensions: { code: "STATE_CONFLICT" },
    });

    await deploy(api, project, "dev", build);
    await waitForStage(stack, project, (s) => s.health === "HEALTHY" && s.currentRelease?.state === "DEPLOYED", "dev HEALTHY");
    const link = `${api.server.url}/s/${project}/dev/hello/`;
    const visit = async () => /Visit number (\d+)\./.exec(await (await fetch(link)).text())?.[1];
    for (const n of ["1", "2", "3"]) expect(await visit()).toBe(n);

    const { createBackup } = await api.ok(
      `mutation($p: String!) { createBackup(project: $p, stage: "dev", displayName: "three visits") ${BACKUP} }`,
      { p: project },
    );
    expect(createBackup).toMatchObject({ displayName: "three visits", state: "PENDING", storages: [{ name: "web/data", ready: false }] });
    const ready = await waitForBackup(stack, project, createBackup.id, (b) => b.state !== "PENDING", "the backup to be taken");
    expect(ready).toMatchObject({ state: "READY", message: null, storages: [{ name: "web/data", ready: true }] });
    expect(Number(ready.size)).toBeGreaterThan(0);

    // Restoring needs a suspended Stage.
    const RESTORE = `mutation($p: String!, $b: ID!) { restoreBackup(project: $p, stage: "dev", backup: $b) ${BACKUP} }`;
    const running = await api.gql(RESTORE, { p: project, b: createBackup.id });
    expect(running.errors?.[0]).toMatchObject({ message: "Stage is not suspended", extensions: { code: "STATE_CONFLICT" } });

    for (const n of ["4", "5"]) expect(await visit()).toBe(n);
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitForStage(stack, project, (s) => s.state === "SUSPENDED", "dev SUSPENDED");

    const unknown = await api.gql(RESTORE, { p: project, b: "00000000-0000-4000-8000-000000000000" });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const malformed = await api.gql(RESTORE, { p: project, b: "nope" });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "backup" });

    const { restoreBackup } = await api.ok(RESTORE, { p: project, b: createBackup.id });
    expect(restoreBackup).toMatchObject({ id: createBackup.id, state: "READY", restoreState: "PENDING" });
    const restored = await waitForBackup(stack, project, createBackup.id, (b) => b.restoreState !== "PENDING", "the restore");
    expect(restored).toMatchObject({ restoreState: "DONE", restoreMessage: null });
    expect(readFileSync(stack.storagePath(project, "dev", "web", "data", "visits"), "utf8")).toBe("3");
    // A suspended Stage is backed up too (an exact copy: nothing writes to it).
    const quiet = (
      await api.ok(`mutation($p: String!) { createBackup(project: $p, stage: "dev", displayName: "quiet") ${BACKUP} }`, { p: project })
    ).createBackup;
    expect(await waitForBackup(stack, project, quiet.id, (b) => b.state !== "PENDING", "the suspended Stage's backup")).toMatchObject({
      state: "READY",
    });

    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitForStage(stack, project, (s) => s.state === "RUNNING" && s.health === "HEALTHY", "dev RUNNING and HEALTHY again");
    expect(await visit()).toBe("4");
  });

  it("on a remote Outpost: its agent, with the Outpost's token, takes the backup and restores it", async () => {
    const stack = await startStack({ outpost: true, runtime: stageUsers.runtime });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 1, { outpostUri: stack.outpost!.uri });
    const hello = await uploadHello(stack, project);
    await deploy(api, project, "dev", await createBuild(api, project, hello.manifest, hello.sha256));
    await waitForStage(
      stack,
      project,
      (s) => s.health === "HEALTHY" && s.currentRelease?.state === "DEPLOYED",
      "dev HEALTHY on the Outpost",
    );
    stageUsers.userOf((await getStage(api, project, "dev")).id);
    // The Outpost's links are served by its agent, not by the API.
    const link = `${await stack.gatewayUrl}/s/${project}/dev/hello/`;
    const visit = async () => /Visit number (\d+)\./.exec(await (await fetch(link)).text())?.[1];
    for (const n of ["1", "2"]) expect(await visit()).toBe(n);

    const { createBackup } = await api.ok(
      `mutation($p: String!) { createBackup(project: $p, stage: "dev", displayName: "two visits") ${BACKUP} }`,
      { p: project },
    );
    const ready = await waitForBackup(stack, project, createBackup.id, (b) => b.state !== "PENDING", "the Outpost's backup");
    expect(ready).toMatchObject({ state: "READY", message: null, storages: [{ name: "web/data", ready: true }] });
    expect(Number(ready.size)).toBeGreaterThan(0);

    for (const n of ["3", "4"]) expect(await visit()).toBe(n);
    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitForStage(stack, project, (s) => s.state === "SUSPENDED", "dev SUSPENDED");
    const { restoreBackup } = await api.ok(
      `mutation($p: String!, $b: ID!) { restoreBackup(project: $p, stage: "dev", backup: $b) ${BACKUP} }`,
      { p: project, b: createBackup.id },
    );
    expect(restoreBackup).toMatchObject({ restoreState: "PENDING" });
    const restored = await waitForBackup(stack, project, createBackup.id, (b) => b.restoreState !== "PENDING", "the Outpost's restore");
    expect(restored).toMatchObject({ restoreState: "DONE", restoreMessage: null });

    await api.ok(`mutation($p: String!) { resumeStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitForStage(stack, project, (s) => s.state === "RUNNING" && s.health === "HEALTHY", "dev RUNNING and HEALTHY again");
    expect(await visit()).toBe("3");
  });

  it("a backup that fails is FAILED (never READY) and cannot be restored; a restore that fails leaves the storage as it was", async () => {
    // Small enough that a megabyte of noise in the storage does not fit.
    // Artifacts on disk (on PostgreSQL too): the test damages a stored archive in place.
    const stack = await startStack({ api: { maxArtifactBytes: 64 * 1024, artifactStore: { kind: "disk" } } });
    const { api } = stack;
    const project = await createTestProject(api);
    await createStage(api, project, "dev", 1);
    const hello = await uploadHello(stack, project);
    await deploy(api, project, "dev", await createBuild(api, project, hello.manifest, hello.sha256));
    await waitForStage(stack, project, (s) => s.health === "HEALTHY" && s.currentRelease?.state === "DEPLOYED", "dev HEALTHY");
    const link = `${api.server.url}/s/${project}/dev/hello/`;
    const visit = async () => /Visit number (\d+)\./.exec(await (await fetch(link)).text())?.[1];
    for (const n of ["1", "2"]) expect(await visit()).toBe(n);
    const CREATE = `mutation($p: String!, $n: String!) { createBackup(project: $p, stage: "dev", displayName: $n) ${BACKUP} }`;

    const good = (await api.ok(CREATE, { p: project, n: "two visits" })).createBackup;
    await waitForBackup(stack, project, good.id, (b) => b.state === "READY", "the good backup");

    const noise = stack.storagePath(project, "dev", "web", "data", "noise");
    writeFileSync(noise, randomBytes(1024 * 1024));
    const big = (await api.ok(CREATE, { p: project, n: "too big" })).createBackup;
    const failed = await waitForBackup(stack, project, big.id, (b) => b.state !== "PENDING", "the backup to fail");
    expect(failed).toMatchObject({ state: "FAILED", size: "0", storages: [{ name: "web/data", ready: false }] });
    expect(failed.message).toMatch(/413.*larger than the limit of 65536 bytes/);
    rmSync(noise);
    expect(await visit()).toBe("3");

    await api.ok(`mutation($p: String!) { suspendStage(project: $p, slug: "dev") { state } }`, { p: project });
    await waitForStage(stack, project, (s) => s.state === "SUSPENDED", "dev SUSPENDED");
    const RESTORE = `mutation($p: String!, $b: ID!) { restoreBackup(project: $p, stage: "dev", backup: $b) ${BACKUP} }`;
    const refused = await api.gql(RESTORE, { p: project, b: big.id });
    expect(refused.errors?.[0]).toMatchObject({
      message: `Backup "${big.id}" is FAILED: only a READY backup can be restored`,
      extensions: { code: "STATE_CONFLICT", field: "backup" },
    });

    // The good backup's archive, damaged in the store: the agent's checksum refuses it.
    const shard = readdirSync(join(stack.apiDataDir, "artifacts")).filter((d) => /^[0-9a-f]{2}$/.test(d));
    const stored = shard.flatMap((d) =>
      readdirSync(join(stack.apiDataDir, "artifacts", d)).map((f) => join(stack.apiDataDir, "artifacts", d, f)),
    );
    const archives = stored.filter((f) => !f.endsWith(`${hello.sha256}.tar.gz`));
    expect(archives).toHaveLength(1);
    writeFileSync(archives[0]!, randomBytes(4096));
    await api.ok(RESTORE, { p: project, b: good.id });
    const undone = await waitForBackup(stack, project, good.id, (b) => b.restoreState !== "PENDING", "the restore to fail");
    expect(undone.restoreState).toBe("FAILED");
    expect(undone.restoreMessage).toMatch(/downloaded bytes hash to [0-9a-f]{64}; refusing it/);
    expect(readFileSync(stack.storagePath(project, "dev", "web", "data", "visits"), "utf8")).toBe("3");
  });
});
