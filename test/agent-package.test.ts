/**
 * `pergola-agent` as an npm package that installs anywhere: the tarball that
 * apps/agent/scripts/pack.mjs makes, installed with `npm install -g` from an empty directory
 * into a prefix and an npm cache of this test's own (as on a fresh machine: its dependencies come
 * from the registry, the real global prefix is never touched), then run from `<prefix>/bin`:
 * `--version`, and a real connection to a real API with the Outpost's token in a `--token-file`
 * (not on its command line): the Outpost turns ONLINE and the agent's /healthz says so.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, subscribe, uniqueSlug, type TestApi } from "../apps/api/src/testing/harness.js";
import { ROOT, spawnLogged, type Spawned } from "./support/processes.js";

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(ROOT, "apps/agent/package.json"), "utf8")) as { version: string };

let dir: string;
let prefix: string;
/** The empty directory the package is installed from and the agent runs in: nothing of the repository around. */
let elsewhere: string;
let tarball: string;
let api: TestApi | undefined;
const agents: Spawned[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pergola-agent-package-"));
  prefix = join(dir, "prefix");
  elsewhere = join(dir, "elsewhere");
  mkdirSync(elsewhere);
  const packed = await run(process.execPath, [join(ROOT, "apps/agent/scripts/pack.mjs"), "--out", join(dir, "out")], { cwd: ROOT });
  tarball = packed.stdout.trim().split("\n").at(-1)!;
  // The machine's environment (its registry, proxy and CA settings) without the npm_* variables of
  // an npm that may be running vitest; a hung registry fails the test rather than hanging it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  await run("npm", ["install", "--global", "--prefix", prefix, "--cache", join(dir, "npm-cache"), "--no-audit", "--no-fund", tarball], {
    cwd: elsewhere,
    env,
    timeout: 150_000,
  });
}, 180_000);

afterAll(async () => {
  for (const agent of agents) await agent.kill();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the pergola-agent package", () => {
  it("is a tarball named after the package that installs on its own, the workspace packages bundled in, deploy/ beside them", () => {
    expect(tarball).toBe(join(dir, "out", `pergola-agent-${version}.tgz`));
    const installed = join(prefix, "lib/node_modules/pergola-agent");
    expect(realpathSync(join(prefix, "bin/pergola-agent"))).toBe(join(installed, "bin/pergola-agent.js"));
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "pergola-agent", version, bin: { "pergola-agent": "bin/pergola-agent.js" } });
    expect(Object.keys(manifest.dependencies)).not.toContain("@pergola/runtime");
    for (const exact of Object.values<string>(manifest.dependencies)) expect(exact).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(join(installed, "node_modules/@pergola"))).toBe(false);
    for (const file of ["pergola-agent.service", "agent.env.example"]) {
      expect(readFileSync(join(installed, "deploy", file), "utf8")).toBe(readFileSync(join(ROOT, "deploy", file), "utf8"));
    }
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it("prints its version", async () => {
    const { stdout } = await run(join(prefix, "bin/pergola-agent"), ["--version"], {
      cwd: elsewhere,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(stdout).toBe(`${version}\n`);
  });

  it("connects with its token in a --token-file: the Outpost turns ONLINE, /healthz answers 200", async () => {
    api = await startTestApi({ outposts: { flushMs: 20, monitorMs: 200 } });
    const slug = uniqueSlug("pkg");
    const { createOutpost } = await api.ok(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { agentToken } }`, {
      i: { name: `Outpost ${slug}`, slug, heartbeatIntervalSeconds: 1 },
    });
    const token: string = createOutpost.agentToken;
    const tokenFile = join(dir, "agent.token");
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const watch = subscribe<{ outpostChanged: { status: string; agentVersion: string | null } }>(
      api.ws(),
      `subscription($s: String!) { outpostChanged(outpost: $s) { status agentVersion } }`,
      { s: slug },
    );
    expect((await watch.next()).outpostChanged.status).toBe("PENDING");

    // A data dir of its own (mkdtemp, not below `dir`): as root, every ancestor must let Stage users pass.
    const dataDir = mkdtempSync(join(tmpdir(), "pergola-agent-package-data-"));
    try {
      // As root --allow-same-user changes nothing (each Stage gets a user); otherwise it lets the agent start.
      const args = [
        "--server",
        api.server.url,
        "--token-file",
        tokenFile,
        "--data-dir",
        dataDir,
        "--health-port",
        "0",
        "--allow-same-user",
      ];
      const agent = spawnLogged(join(prefix, "bin/pergola-agent"), args, { PATH: process.env.PATH ?? "", LOG_LEVEL: "info" }, elsewhere);
      agents.push(agent);
      expect(readFileSync(`/proc/${agent.child.pid}/cmdline`, "utf8")).not.toContain(token);

      let change = (await watch.next(15_000)).outpostChanged;
      while (change.status !== "ONLINE") change = (await watch.next(15_000)).outpostChanged;
      expect(change.agentVersion).toBe(`pergola-agent/${version}`);

      const healthz = (
        await agent.waitFor(/"url":"(http:\/\/[^"]+\/healthz)".*"msg":"serving \/healthz"/, 10_000, "/healthz listening")
      )[1]!;
      await agent.waitFor(new RegExp(`"msg":"heartbeats accepted: Outpost ${slug}"`), 10_000, "a heartbeat accepted");
      const res = await fetch(healthz);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", outpost: slug, connected: true, version });

      expect(await agent.stop(15_000)).toEqual({ code: 0, signal: null });
    } finally {
      watch.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
