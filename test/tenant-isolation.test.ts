/**
 * A tenant's code is a trust boundary — tested the way the hole was found. `npm start` as root
 * (scripts/start.mjs: the API on PGlite and the local agent, the admin token in the API's
 * environment). One Stage runs a "victim" service holding a secret (env, file, storage); a
 * second Stage of another Project deploys a job that scans `/proc/*\/environ`,
 * `/proc/*\/cmdline`, the API's and the agent's data dirs and the victim's directories, and
 * prints every token- or secret-looking string it finds. What the test reads is that job's
 * output (its Component logs, through the API): no admin token, no agent token, no other
 * Stage's secret — while the same scan does find its own secret in its own environ (so the
 * scan works) and does read the agent's command line (which holds no token).
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { eventually, freshDatabaseOptions, withTimeout } from "../apps/api/src/testing/harness.js";
import { getStageUserName } from "../packages/runtime/src/process/stage-users.js";
import { ROOT as root, freePort, graphqlClient, spawnPergola, type PergolaProcess } from "./support/processes.js";

const isRoot = process.getuid?.() === 0;
const dataDir = mkdtempSync(join(tmpdir(), "pergola-tenants-"));
const agentDir = join(dataDir, "agent");
// In the API's environment, as automation sets it: exactly what the scan must not find.
const adminToken = `pgl_${randomBytes(24).toString("base64url")}`;
const victimSecret = `tenant-secret-victim-${randomBytes(8).toString("hex")}`;
const attackerSecret = `tenant-secret-attacker-${randomBytes(8).toString("hex")}`;
let pergola: PergolaProcess | undefined;
let url: string;
let database: Awaited<ReturnType<typeof freshDatabaseOptions>>;
/** The Stages whose users the agent made: removed after the test. */
const stageIds: string[] = [];

/** The victim: keeps its secret in its env, in a file it was given and in its storage, and idles. */
const IDLE_JS = `
require("fs").writeFileSync(process.env.PERGOLA_STORAGE_DATA + "/secret.txt", process.env.VICTIM_SECRET);
console.log("victim ready");
setInterval(() => {}, 1 << 30);
process.on("SIGTERM", () => process.exit(0));
`;

/** The attacker: what a member's job can read on its own Stage. Short lines: the output is what the test reads. */
const SCAN_JS = `
const fs = require("fs"), path = require("path");
const PATTERN = /pgl_[A-Za-z0-9_-]{20,}|tenant-secret-[a-z]+-[0-9a-f]+/g;
const found = new Set();
const search = (source, text) => { for (const m of text.match(PATTERN) ?? []) found.add(source + " " + m); };
const counts = { environ: [0, 0], cmdline: [0, 0] };
for (const pid of fs.readdirSync("/proc").filter((p) => /^\\d+$/.test(p))) {
  for (const kind of ["environ", "cmdline"]) {
    counts[kind][1]++;
    let text;
    try { text = fs.readFileSync("/proc/" + pid + "/" + kind, "utf8"); } catch { continue; }
    counts[kind][0]++;
    search("/proc/" + pid + "/" + kind, text);
    const line = text.split("\\0").join(" ");
    if (kind === "cmdline" && line.includes("apps/agent/dist/cli.js")) console.log("AGENT-CMDLINE " + line.slice(0, 400));
    if (kind === "cmdline" && line.includes("apps/api/dist/index.js")) console.log("API-CMDLINE " + line.slice(0, 400));
  }
}
console.log("SCAN environ readable=" + counts.environ[0] + " of=" + counts.environ[1]);
console.log("SCAN cmdline readable=" + counts.cmdline[0] + " of=" + counts.cmdline[1]);
/** Reads whatever it can under dir (a walk that stops where it may not look). */
const walk = (dir, depth) => {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { return; }
  console.log("LISTED " + dir);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < 8) walk(p, depth + 1);
    else if (e.isFile()) { try { search(p, fs.readFileSync(p, "latin1")); console.log("READ " + p); } catch {} }
  }
};
walk(process.env.API_DIR, 0);
for (const p of process.env.TRY_PATHS.split(",")) {
  let result;
  try {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) { fs.readdirSync(p); result = "LISTED"; } else { search(p, fs.readFileSync(p, "latin1")); result = "READ"; }
  } catch (e) { result = e.code; }
  console.log("TRY " + p + " " + result);
}
for (const f of found) console.log("FOUND " + f);
console.log("DONE");
`;

beforeAll(async () => {
  if (!isRoot) return;
  database = await freshDatabaseOptions();
  pergola = await spawnPergola({
    dataDir,
    timeoutMs: 60_000,
    env: {
      // A port the system just handed out and freed: a random one may be in use (it was, once, in CI).
      DASHBOARD_PORT: String(await freePort()),
      PERGOLA_ADMIN_TOKEN: adminToken,
      ...(database.options.url ? { DATABASE_URL: database.options.url } : {}),
    },
  });
  url = pergola.api;
}, 90_000);

afterAll(async () => {
  await pergola?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await database?.drop();
  for (const id of stageIds) {
    try {
      execFileSync("userdel", [getStageUserName(id)], { stdio: "ignore" });
    } catch {
      // Never made (the test failed before): nothing to remove.
    }
  }
});

const gql = (query: string, variables: Record<string, unknown> = {}) => graphqlClient(url, adminToken).gql(query, variables);

const STAGE = `query($p: String!, $s: String!) { stage(project: $p, slug: $s) { components { name state message logs(tail: 200) } } }`;

async function createProject(): Promise<string> {
  const { createProject } = await gql(`mutation($n: String!) { createProject(input: { name: $n }) { slug } }`, {
    n: `Tenant ${randomBytes(4).toString("hex")}`,
  });
  const { createStage } = await gql(`mutation($p: String!) { createStage(input: { project: $p, name: "dev", type: DEV }) { id } }`, {
    p: createProject.slug,
  });
  stageIds.push(createStage.id);
  return createProject.slug;
}

/** In `p`'s Stage dev: `config`, a Build of `manifest` from `artifact`, deployed; waits for `component` to reach one of `states`. */
async function deploy(
  p: string,
  artifact: string,
  manifest: unknown,
  config: { env: { name: string; value: string; secret: boolean }[]; files?: { name: string; content: string; secret: boolean }[] },
  component: string,
  states: string[],
) {
  await gql(
    `mutation($p: String!, $e: [ConfigEnvInput!], $f: [ConfigFileInput!]) { addConfigData(input: { project: $p, stage: "dev", env: $e, files: $f }) { version } }`,
    {
      p,
      e: config.env,
      f: config.files ?? [],
    },
  );
  const { createBuild } = await gql(`mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
    i: { project: p, artifact, manifest },
  });
  await gql(`mutation($p: String!, $b: String!) { deployRelease(input: { project: $p, stage: "dev", build: $b }) { number } }`, {
    p,
    b: createBuild.name,
  });
  const done = await eventually(
    async () => {
      const c = (await gql(STAGE, { p, s: "dev" })).stage.components.find((x: { name: string }) => x.name === component);
      return c && states.includes(c.state) ? c : undefined;
    },
    60_000,
    `${component} of ${p}/dev did not reach ${states.join("/")}`,
    200,
  );
  return { project: p, component: done as { state: string; message?: string; logs: string[] } };
}

describe.skipIf(!isRoot)("a deployed job on the local Outpost (npm start as root)", () => {
  it("finds no token and no other Stage's secret in /proc, the data dirs or the other Stage's directories", async () => {
    const victimProject = await createProject();
    const attackerProject = await createProject();
    const archive = await makeArchive({ "idle.js": IDLE_JS, "scan.js": SCAN_JS });
    const upload = await fetch(`${url}/artifacts?project=${victimProject}`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
      body: archive,
    });
    expect(upload.status).toBe(201);
    const { sha256 } = (await upload.json()) as { sha256: string };

    const victim = await deploy(
      victimProject,
      sha256,
      {
        version: "v1",
        components: [
          {
            name: "idle",
            command: [process.execPath, "idle.js"],
            env: [{ name: "VICTIM_SECRET", "config-ref": "VICTIM_SECRET" }],
            files: [{ path: "/etc/victim/secret.txt", "config-ref": "secret.txt" }],
            storage: [{ name: "data", path: "/data", size: "1Gi" }],
          },
        ],
      },
      {
        env: [{ name: "VICTIM_SECRET", value: victimSecret, secret: true }],
        files: [{ name: "secret.txt", content: victimSecret, secret: true }],
      },
      "idle",
      ["RUNNING"],
    );
    const victimRun = join(agentDir, "runtime", "run", victim.project, "dev");
    const victimStorage = join(agentDir, "runtime", "storage", victim.project, "dev");
    // The victim's secret is on disk (as root sees it): in its storage.
    await eventually(
      () => {
        try {
          return readFileSync(join(victimStorage, "idle", "data", "secret.txt"), "utf8") === victimSecret;
        } catch {
          return undefined;
        }
      },
      10_000,
      "the victim did not write its secret",
    );

    const tryPaths = [
      join(dataDir, "admin-token"),
      join(dataDir, "local-agent-token"),
      join(dataDir, "secret-key"),
      join(dataDir, "admin-password"),
      join(dataDir, "data"),
      join(dataDir, "data", "PG_VERSION"),
      join(dataDir, "data", "global", "pg_control"),
      join(dataDir, "artifacts"),
      agentDir,
      join(agentDir, "artifacts"),
      join(agentDir, "artifacts", sha256, "idle.js"),
      join(agentDir, "runtime"),
      join(agentDir, "runtime", "pids"),
      join(agentDir, "runtime", "storage"),
      join(agentDir, "runtime", "storage", victim.project),
      victimStorage,
      join(victimStorage, "idle", "data", "secret.txt"),
      victimRun,
      join(victimRun, "idle", "files", "etc", "victim", "secret.txt"),
      join(victimRun, ".releases"),
    ];
    const attacker = await deploy(
      attackerProject,
      sha256,
      {
        version: "v1",
        components: [
          {
            name: "scan",
            command: [process.execPath, "scan.js"],
            scheduled: "@release",
            "max-retries": 0,
            env: [
              { name: "OWN_SECRET", "config-ref": "OWN_SECRET" },
              { name: "API_DIR", value: dataDir },
              { name: "TRY_PATHS", value: tryPaths.join(",") },
            ],
          },
        ],
      },
      { env: [{ name: "OWN_SECRET", value: attackerSecret, secret: true }] },
      "scan",
      ["COMPLETED", "FAILED"],
    );
    const logs = await eventually(
      async () => {
        const c = (await gql(STAGE, { p: attacker.project, s: "dev" })).stage.components.find((x: { name: string }) => x.name === "scan");
        return c.logs.includes("DONE") ? (c.logs as string[]) : undefined;
      },
      20_000,
      "the scan's output did not reach the API",
      200,
    );
    const output = logs.join("\n");
    expect(attacker.component.state, output).toBe("COMPLETED");

    // The scan works: it reads its own environ (its own secret) and everyone's command lines, the agent's included.
    expect(output).toContain(`/environ ${attackerSecret}`);
    const environ = /SCAN environ readable=(\d+) of=(\d+)/.exec(output)!;
    const cmdline = /SCAN cmdline readable=(\d+) of=(\d+)/.exec(output)!;
    expect(Number(environ[1])).toBeGreaterThan(0);
    expect(Number(environ[1])).toBeLessThan(Number(environ[2]));
    expect(Number(cmdline[1])).toBeGreaterThan(Number(environ[1]));
    expect(output).toMatch(/AGENT-CMDLINE .*--token-file \S+local-agent-token/);
    expect(output).toMatch(/API-CMDLINE /);

    // And it finds nothing that is not its own.
    const agentToken = readFileSync(join(dataDir, "local-agent-token"), "utf8").trim();
    expect(output).not.toContain(adminToken);
    expect(output).not.toContain(agentToken);
    expect(output).not.toContain(victimSecret);
    expect(output).not.toMatch(/FOUND .*pgl_/);
    expect(logs.filter((l) => l.startsWith("FOUND")).every((l) => l.endsWith(attackerSecret))).toBe(true);
    expect(output).not.toMatch(/^(LISTED|READ) /m);
    // Each path it tried is refused (EACCES) when it exists, as root sees it, and missing otherwise.
    for (const path of tryPaths) {
      const line = logs.find((l) => l.startsWith(`TRY ${path} `));
      expect(line, `no TRY line for ${path}`).toBe(`TRY ${path} ${existsSync(path) ? "EACCES" : "ENOENT"}`);
    }
    for (const path of [
      join(dataDir, "local-agent-token"),
      join(dataDir, "secret-key"),
      join(agentDir, "runtime", "pids"),
      victimStorage,
      victimRun,
    ]) {
      expect(existsSync(path), path).toBe(true);
    }
    // As root sees them: the modes that make it so.
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(dataDir)).toBe(0o711);
    expect(mode(join(dataDir, "secret-key"))).toBe(0o600);
    expect(mode(join(dataDir, "local-agent-token"))).toBe(0o600);
    expect(mode(join(dataDir, "artifacts"))).toBe(0o700);
    expect(mode(join(agentDir, "artifacts"))).toBe(0o700);
    expect(mode(victimStorage)).toBe(0o700);
    if (!database.options.url) {
      expect(mode(join(dataDir, "data"))).toBe(0o700);
      expect(
        readdirSync(join(dataDir, "data", "global"))
          .map((f) => mode(join(dataDir, "data", "global", f)))
          .filter((m) => m & 0o077),
      ).toEqual([]);
    }
    // The victim and the attacker are two users, neither root.
    const owners = [statSync(victimStorage).uid, statSync(join(agentDir, "runtime", "storage", attacker.project, "dev")).uid];
    expect(owners[0]).not.toBe(0);
    expect(owners[1]).not.toBe(0);
    expect(owners[0]).not.toBe(owners[1]);
    expect(execFileSync("id", ["-u", getStageUserName(stageIds[0]!)], { encoding: "utf8" }).trim()).toBe(String(owners[0]));
  }, 150_000);
});

/** Runs the built agent until it prints `until` (or exits); resolves with its output and exit code (null: still running, then killed). */
function runAgent(args: string[], options: { uid?: number; gid?: number; env?: Record<string, string> }, until: RegExp) {
  const agent = spawn(process.execPath, [join(root, "apps/agent/dist/cli.js"), "--server", "http://127.0.0.1:9", ...args], {
    env: { PATH: process.env.PATH ?? "", ...options.env },
    uid: options.uid,
    gid: options.gid,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return withTimeout(
    new Promise<{ output: string; code: number | null }>((resolve) => {
      const onData = (d: Buffer) => {
        output += d;
        if (until.test(output)) {
          agent.kill("SIGKILL");
          resolve({ output, code: null });
        }
      };
      agent.stdout!.on("data", onData);
      agent.stderr!.on("data", onData);
      agent.once("exit", (code) => resolve({ output, code }));
    }),
    20_000,
    `the agent printed no ${until}`,
  );
}

describe.skipIf(!isRoot)("pergola-agent's start", () => {
  it("refuses to run Components as its own user when not root, unless --allow-same-user; refuses an open token file; warns of --token", async () => {
    const nobody = { uid: 65534, gid: 65534 };
    const dir = mkdtempSync(join(tmpdir(), "pergola-nobody-"));
    chownSync(dir, nobody.uid, nobody.gid);
    try {
      const refused = await runAgent(
        ["--data-dir", join(dir, "a")],
        { ...nobody, env: { PERGOLA_AGENT_TOKEN: "pgl_not-a-real-token-at-all" } },
        /$^/,
      );
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/runs as \S+ \(uid 65534\), not as root, so it cannot give each Stage a user of its own/);
      expect(refused.output).toContain("--allow-same-user");

      const allowed = await runAgent(
        ["--data-dir", join(dir, "b"), "--allow-same-user"],
        { ...nobody, env: { PERGOLA_AGENT_TOKEN: "pgl_not-a-real-token-at-all" } },
        /pergola-agent started/,
      );
      expect(allowed.output).toMatch(/--allow-same-user: Components run as this agent's own user/);
      expect(statSync(join(dir, "b")).mode & 0o777).toBe(0o700);

      const tokenFile = join(dir, "token");
      writeFileSync(tokenFile, "pgl_not-a-real-token-at-all\n", { mode: 0o644 });
      const open = await runAgent(["--data-dir", join(dir, "c"), "--token-file", tokenFile], {}, /$^/);
      expect(open.code).not.toBe(0);
      expect(open.output).toContain(`the token file ${tokenFile} is open to other users (mode 0644): run "chmod 600 ${tokenFile}"`);

      const warned = await runAgent(["--data-dir", join(dir, "d"), "--token", "pgl_not-a-real-token-at-all"], {}, /pergola-agent started/);
      expect(warned.output).toMatch(/--token puts the token on this agent's command line/);
      expect(statSync(join(dir, "d")).mode & 0o777).toBe(0o711);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
