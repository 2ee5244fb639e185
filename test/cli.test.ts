/**
 * The `pergola` CLI as a person or a script runs it: the built binary (apps/cli/bin/pergola.js)
 * as a subprocess, against a real API on a database of its own and a real agent that runs
 * the Releases (in-process, short timings), with its config in a temporary XDG_CONFIG_HOME.
 * One stack for the file; every test makes its own Project (and its users their own config
 * directories), so the tests run concurrently, and so do a test's CLI runs that do not depend
 * on each other. Waits are on output, with timeouts.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../apps/agent/src/agent.js";
import { generateToken } from "../apps/api/src/auth/token.service.js";
import {
  createTestUser,
  eventually,
  freshDatabaseOptions,
  startTestApi,
  uniqueSlug,
  withTimeout,
  type TestApi,
} from "../apps/api/src/testing/harness.js";
import { startWebhookReceiver } from "../apps/api/src/testing/webhook-receiver.js";
import { createRecordingLogger, FAST_RUNTIME } from "./support/stack.js";

/** util-linux `script`, for the prompts on a pseudo-terminal. */
const hasScript = existsSync("/usr/bin/script");
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "apps/cli/bin/pergola.js");

let api: TestApi;
let agent: Agent;
let endpoint: string;
let configHome: string;
let work: string;
let dropDatabase: () => Promise<void>;
const cleanup: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Piped to stdin (a password); without it stdin is /dev/null. */
  stdin?: string;
}

/** Runs `pergola args…`; `env` adds to (or, with undefined, removes from) its environment. */
function pergola(args: string[], options: RunOptions = {}): Promise<Run> {
  const child = spawnCli(args, options);
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c));
  child.stderr!.on("data", (c: Buffer) => (stderr += c));
  const exited = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, options.timeoutMs ?? 30_000, `pergola ${args.join(" ")} did not exit`).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  });
}

function spawnCli(args: string[], options: RunOptions = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: work, XDG_CONFIG_HOME: configHome, NO_COLOR: "1" };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
}

/** A long-running `pergola …` (events --follow, watch): its output lines, waited on. */
function follow(args: string[]) {
  const child = spawnCli(args);
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on("data", (c: Buffer) => (stderr += c));
  return {
    lines,
    async until<T>(check: (lines: string[]) => T | undefined, ms = 15_000): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = check(lines);
        if (value !== undefined) return value;
        const left = deadline - Date.now();
        if (left <= 0 || child.exitCode !== null)
          throw new Error(`pergola ${args.join(" ")}: not seen within ${ms} ms\n${lines.join("\n")}\nstderr: ${stderr}`);
        await withTimeout(new Promise<void>((resolve) => waiters.push(resolve)), left, "no output").catch(() => {});
      }
    },
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((resolve) => child.once("close", resolve));
    },
  };
}

/** Runs and expects exit 0; returns stdout (parsed when `-o json`). */
async function ok(args: string[], options: RunOptions = {}): Promise<any> {
  const run = await pergola(args, options);
  if (run.code !== 0) throw new Error(`pergola ${args.join(" ")} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return args.includes("json") ? JSON.parse(run.stdout) : run.stdout;
}

/** Expects a failure with `code`, one line on stderr and no stack trace. */
async function fails(
  args: string[],
  code: number,
  message: RegExp,
  env?: Record<string, string | undefined>,
  stdin?: string,
): Promise<Run> {
  const run = await pergola(args, { env, stdin });
  expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code, stderr: expect.stringMatching(message) });
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return run;
}

/**
 * `pergola args…` on a pseudo-terminal (util-linux `script`), as a person runs it: each answer
 * is typed once its prompt shows (typed earlier, the terminal would still echo it).
 */
function onTerminal(args: string[], env: Record<string, string>, answers: { prompt: string; text: string }[]): Promise<Run> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", HOME: work, XDG_CONFIG_HOME: configHome, NO_COLOR: "1", TERM: "dumb", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let seen = 0;
  const pending = [...answers];
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    while (pending.length) {
      const at = output.indexOf(pending[0]!.prompt, seen);
      if (at < 0) break;
      seen = at + pending[0]!.prompt.length;
      child.stdin!.write(`${pending.shift()!.text}\r`);
    }
  });
  const exited = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code, stdout: output, stderr: "" })));
  return withTimeout(exited, 30_000, `pergola ${args.join(" ")} on a terminal did not exit`).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\noutput: ${output}`);
  });
}

async function newProject(): Promise<string> {
  const slug = uniqueSlug("cli");
  await ok(["create", "project", slug]);
  return slug;
}

/** A directory with a pergola.yaml and a few files. */
function appDir(manifest: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(work, "app-"));
  writeFileSync(join(dir, "pergola.yaml"), manifest);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pergola-cli-"));
  configHome = join(work, "config");
  const database = await freshDatabaseOptions();
  dropDatabase = database.drop;
  const apiDataDir = join(work, "api");
  const agentDataDir = join(work, "agent");
  mkdirSync(apiDataDir);
  const token = generateToken();
  api = await startTestApi({ database: database.options, localAgentToken: token, dataDir: apiDataDir });
  endpoint = api.server.url;
  agent = startAgent({
    server: endpoint,
    token,
    dataDir: agentDataDir,
    logger: createRecordingLogger(),
    runtime: FAST_RUNTIME,
    connection: { backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 } },
    // Usage sampled often, for `pergola top`.
    usageIntervalMs: 500,
  });
  await ok(["login", "--endpoint", endpoint, "--access-key", api.adminToken]);
});

afterAll(async () => {
  await agent?.close();
  await api?.close();
  await dropDatabase?.();
  for (const dir of [work, ...cleanup]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent("pergola: session and errors", { timeout: 180_000 }, () => {
  it("login saves endpoint and key in config.json (mode 0600); info tells who you are", async () => {
    const file = join(configHome, "pergola", "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ endpoint, accessKey: api.adminToken });
    const info = await ok(["info", "-o", "json"]);
    expect(info).toMatchObject({
      cli: { version: "0.1.0" },
      endpoint,
      server: { status: "ok", version: "0.1.0" },
      me: { name: "admin", email: "admin@localhost", role: "ADMIN", readOnly: false },
      credential: { kind: "access key", readOnly: false, expiresAt: null },
    });
    expect(await ok(["info"])).toMatch(/you:\s+admin \(admin\)\nemail:\s+admin@localhost\nwith:\s+an access key, read-write\n/);
  });

  it("refuses a wrong access key at login (exit 4) and keeps the saved one", async () => {
    const other = join(work, "other-config");
    await fails(["login", "--endpoint", endpoint, "--access-key", "pgl_wrong"], 4, /^error: not authenticated: .*access key/, {
      XDG_CONFIG_HOME: other,
    });
    expect(() => statSync(join(other, "pergola", "config.json"))).toThrow();
  });

  it("a wrong key, no key, no server, a bad flag: one clear line and a documented exit code", async () => {
    const port = await closedPort();
    await Promise.all([
      fails(
        ["list", "project", "--access-key", "pgl_nope"],
        4,
        /^error: not authenticated: Unknown, disabled or expired access key or session/,
      ),
      fails(["list", "project"], 4, /^error: not authenticated/, { PERGOLA_ACCESS_KEY: "pgl_nope" }),
      fails(["list", "project"], 4, /^error: no access key: run pergola login/, { XDG_CONFIG_HOME: join(work, "empty-config") }),
      fails(
        ["list", "project", "--endpoint", `http://127.0.0.1:${port}`],
        9,
        /^error: cannot reach the Pergola API at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/,
      ),
      fails(["events", "-p", "x", "--endpoint", `http://127.0.0.1:${port}`], 9, /cannot reach/),
      fails(["list", "stage", "-p", "x", "--bogus"], 2, /unknown option '--bogus'/),
      fails(["list", "stage"], 2, /required option '-p, --project <project>' not specified/),
      fails(["frobnicate"], 2, /unknown command 'frobnicate'/),
      fails(["list", "project", "-o", "xml"], 2, /^error: -o xml: choose table, json or yaml/),
      fails(["list", "stage", "-p", "no-such-project"], 3, /^error: Project "no-such-project" not found/),
      fails(["push", "release", "-p", "x", "-s", "y", "--wait", "--timeout", "soon"], 2, /not a duration/),
    ]);
  });

  it("--help shows examples and the exit codes; completion scripts for bash and zsh", async () => {
    const [help, createStageHelp, bash, loginHelp, zsh] = await Promise.all([
      ok(["--help"]),
      ok(["create", "stage", "--help"]),
      ok(["completion", "bash"]),
      ok(["login", "--help"]),
      ok(["completion", "zsh"]),
      fails(["completion", "fish"], 2, /choose bash or zsh/),
    ]);
    expect(help).toMatch(/Exit codes:[\s\S]*10\s+--wait: the Release FAILED/);
    expect(createStageHelp).toMatch(/Examples:\n\s+\$ pergola create stage my-new-stage --type dev -p my-new-project/);
    expect(bash).toMatch(/complete -o default -F _pergola pergola/);
    expect(bash).toMatch(
      /list\) COMPREPLY=\(\$\(compgen -W "project stage build release config config-data component outpost access-key member user webhook backup policy"/,
    );
    expect(bash).toMatch(/disable\) COMPREPLY=\(\$\(compgen -W "access-key user"/);
    expect(bash).toMatch(/--role\) COMPREPLY=\(\$\(compgen -W "owner member"/);
    expect(bash).toMatch(/"update member"\) opts="-p --project --role /);
    expect(loginHelp).toMatch(/--email <email>[\s\S]*Examples:\n\s+\$ pergola login --endpoint \S+ --email /);
    expect(zsh).toMatch(/bashcompinit/);
  });
});

describe.concurrent("pergola: users, members, sessions and access keys", () => {
  // One person's story, step on step: ~50 runs of the CLI, hence the longer timeout.
  it("admin creates a user and adds them; they log in with --email, make keys; limits, read-only keys, removal and deletion end in documented exit codes", {
    timeout: 240_000,
  }, async () => {
    const project = await newProject();
    const email = `${uniqueSlug("silas")}@example.test`;
    const password = "correct horse battery staple";
    const silas = { XDG_CONFIG_HOME: join(work, `config-${email}`) };
    const file = join(silas.XDG_CONFIG_HOME, "pergola", "config.json");

    // The password from stdin, as a script gives it.
    const created = await ok(["create", "user", email, "--name", "Silas", "-o", "json"], { stdin: `${password}\n` });
    expect(created).toMatchObject({ id: expect.any(String), email, name: "Silas", isAdmin: false, disabled: false });
    const [, users, added] = await Promise.all([
      fails(["create", "user", email, "--name", "Again", "--password", password], 6, /^error: conflict: A user with email/),
      ok(["list", "user"]),
      ok(["add", "member", email, "-p", project]),
      fails(["add", "member", email, "-p", project, "--role", "boss"], 2, /--role boss: choose owner or member/),
    ]);
    expect(users).toMatch(new RegExp(`│ ${email} │ Silas │ no\\s+│ enabled │`));
    expect(added).toBe(`${email} added to ${project} as member\n`);
    expect(await ok(["update", "member", email, "-p", project, "--role", "owner"])).toBe(`${email} is now owner of ${project}\n`);
    expect(await ok(["list", "member", "-p", project, "-o", "json"])).toContainEqual(
      expect.objectContaining({ role: "OWNER", user: { email, name: "Silas" } }),
    );
    await ok(["update", "member", email, "-p", project, "--role", "member"]);
    expect(await ok(["list", "members", "-p", project])).toMatch(
      new RegExp(`members \\(${project}\\)[\\s\\S]*│ ${email} │ Silas │ member │`),
    );

    // Login with email and password (piped): a session saved with its end, mode 0600.
    await fails(
      ["login", "--endpoint", endpoint, "--email", email],
      4,
      new RegExp(`^error: not authenticated: wrong email or password for ${email}\n$`),
      silas,
      "not-the-password\n",
    );
    expect(() => statSync(file)).toThrow();
    const login = await pergola(["login", "--endpoint", endpoint, "--email", email], { env: silas, stdin: `${password}\n` });
    expect(login).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        new RegExp(`^Logged in to ${endpoint} as Silas <${email}> \\(member\\) until \\S+; saved in ${file}\n$`),
      ),
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved).toEqual({ endpoint, session: { token: expect.stringMatching(/^pgs_/), email, expiresAt: expect.any(String) } });
    expect(Date.parse(saved.session.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(await ok(["info", "-o", "json"], { env: silas })).toMatchObject({
      me: { email, name: "Silas", role: "MEMBER", readOnly: false },
      credential: { kind: "session", readOnly: false, expiresAt: saved.session.expiresAt },
    });
    await ok(["list", "stage", "-p", project], { env: silas });

    // Two enabled keys, a third refused; the token is printed once.
    const wall: string = await ok(["create", "access-key", "wall", "--read-only"], { env: silas });
    expect(wall).toMatch(/^access key wall created \(read-only\), id \S+\n\nToken \(shown once, now; keep it secret\):\n {2}\S+:\S+\n/);
    const readOnlyToken = /secret\):\n {2}(\S+)/.exec(wall)![1]!;
    const deploy = await ok(["create", "access-key", "deploy", "-o", "json"], { env: silas });
    expect(deploy).toMatchObject({
      token: expect.stringMatching(/^[0-9a-f-]{36}:/),
      accessKey: { name: "deploy", readOnly: false, enabled: true, lastUsedAt: null },
    });
    await fails(["create", "access-key", "third"], 6, /^error: conflict: At most 2 access keys may be enabled per user/, silas);
    const [keys, keysOfSilas]: [string, { name: string }[]] = await Promise.all([
      ok(["list", "access-key"], { env: silas }),
      ok(["list", "access-keys", "--user", email, "-o", "json"]),
    ]);
    expect(keys).toMatch(/│ id\s+│ name\s+│ read-only │ enabled │ created\s+│ last used\s+│/);
    expect(keys).toMatch(/│ wall\s+│ yes\s+│ yes\s+│/);
    expect(keys).toMatch(new RegExp(`│ ${deploy.accessKey.id} │ deploy │ no\\s+│ yes\\s+│`));
    expect(keys).not.toContain(deploy.token.split(":")[1]);
    expect(keysOfSilas.map((k) => k.name)).toEqual(["wall", "deploy"]);

    // A read-only key reads but may not change anything.
    const readOnly = { PERGOLA_ACCESS_KEY: readOnlyToken };
    const [, , info, infoJson] = await Promise.all([
      ok(["list", "stage", "-p", project], { env: readOnly }),
      fails(["create", "stage", "x", "--type", "dev", "-p", project], 5, /^error: forbidden: /, readOnly),
      ok(["info"], { env: readOnly }),
      ok(["info", "-o", "json"], { env: readOnly }),
    ]);
    expect(info).toMatch(new RegExp(`email:\\s+${email}\\nwith:\\s+an access key, read-only\\n`));
    expect(infoJson).toMatchObject({ me: { email, readOnly: true }, credential: { kind: "access key", readOnly: true } });

    // Disabled, the key is refused; enabled again, it works.
    const withDeploy = { PERGOLA_ACCESS_KEY: deploy.token };
    expect(await ok(["disable", "access-key", deploy.accessKey.id], { env: silas })).toBe(
      `access key ${deploy.accessKey.id} (deploy) disabled\n`,
    );
    await fails(["list", "project"], 4, /^error: not authenticated: /, withDeploy);
    await ok(["enable", "access-key", deploy.accessKey.id], { env: silas });
    await ok(["create", "stage", "from-key", "--type", "dev", "-p", project], { env: withDeploy });

    // Removed from the Project, its Stages are out of sight (not found).
    expect(await ok(["remove", "member", email, "-p", project])).toBe(`${email} removed from ${project}\n`);
    await Promise.all([
      fails(["list", "stage", "-p", project], 3, /not found/, silas),
      fails(["remove", "member", email, "-p", project], 3, /is not a member/),
    ]);

    // A deleted key is refused (4).
    expect(await ok(["delete", "access-key", deploy.accessKey.id], { env: silas })).toBe(`access key ${deploy.accessKey.id} deleted\n`);
    await Promise.all([
      fails(["list", "project"], 4, /^error: not authenticated: /, withDeploy),
      fails(["delete", "access-key", deploy.accessKey.id], 3, /not found/, silas),
    ]);

    // A disabled user's keys stop; enabled again (by email), they work.
    expect(await ok(["disable", "user", email])).toBe(`user ${email} disabled\n`);
    await Promise.all([
      fails(["list", "project"], 4, /^error: not authenticated: /, readOnly),
      fails(
        ["list", "project"],
        4,
        new RegExp(`^error: not authenticated: your session as ${email} has ended: log in again with pergola login --email ${email}\n$`),
        silas,
      ),
    ]);
    expect(await ok(["enable", "user", created.id, "-o", "json"])).toMatchObject({ email, disabled: false });
    await Promise.all([
      ok(["list", "project"], { env: readOnly }),
      fails(["disable", "user", "nobody@example.test"], 3, /not found: User "nobody@example.test"/),
    ]);

    // logout ends the session on the server and forgets it here.
    await ok(["login", "--email", email], { env: { ...silas, PERGOLA_PASSWORD: password } });
    const session = JSON.parse(readFileSync(file, "utf8")).session.token as string;
    expect(await ok(["logout"], { env: silas })).toBe(`Logged out of ${endpoint}: the session of ${email} ended\n`);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ endpoint });
    await Promise.all([
      fails(["list", "project"], 4, /^error: no access key: run pergola login/, silas),
      fails(["list", "project"], 4, /^error: not authenticated: /, { PERGOLA_ACCESS_KEY: session }),
    ]);
    expect(await ok(["logout"], { env: silas })).toMatch(/^Not logged in/);

    // A saved session past its end is refused here, without asking the API.
    writeFileSync(file, JSON.stringify({ endpoint, session: { token: session, email, expiresAt: "2020-01-01T00:00:00.000Z" } }));
    await fails(
      ["list", "project"],
      4,
      new RegExp(
        `^error: not authenticated: your session as ${email} expired at 2020-01-01T00:00:00.000Z: log in again with pergola login --email ${email}\n$`,
      ),
      silas,
    );
  });

  it.skipIf(!hasScript)("on a terminal, login --email and create user ask for the password and do not show it", async () => {
    const user = await createTestUser(api, { name: "Ana" });
    const env = { XDG_CONFIG_HOME: join(work, `config-${user.email}`) };
    const login = await onTerminal(["login", "--endpoint", endpoint, "--email", user.email], env, [
      { prompt: `Password for ${user.email}: `, text: user.password },
    ]);
    expect(login).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        new RegExp(`Password for ${user.email}: \\r?\\n[\\s\\S]*Logged in to ${endpoint} as Ana <${user.email}>`),
      ),
    });
    expect(login.stdout).not.toContain(user.password);
    expect(await ok(["info", "-o", "json"], { env })).toMatchObject({ me: { email: user.email }, credential: { kind: "session" } });

    const email = `${uniqueSlug("bo")}@example.test`;
    const password = "a long enough password";
    const prompt = `Password for ${email} (at least 12 characters; empty: SSO only): `;
    const differ = await onTerminal(["create", "user", email, "--name", "Bo"], {}, [
      { prompt, text: password },
      { prompt: "Again: ", text: "something else entirely" },
    ]);
    expect(differ).toMatchObject({ code: 2, stdout: expect.stringContaining("error: the two passwords differ") });
    const created = await onTerminal(["create", "user", email, "--name", "Bo"], {}, [
      { prompt, text: password },
      { prompt: "Again: ", text: password },
    ]);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`user ${email} created, id `)) });
    expect(created.stdout).not.toContain(password);
    await ok(["login", "--endpoint", endpoint, "--email", email], {
      env: { XDG_CONFIG_HOME: join(work, `config-${email}`) },
      stdin: `${password}\n`,
    });
  });
});

describe.concurrent("pergola: Projects and Stages", { timeout: 180_000 }, () => {
  it("the seed's session: create stage, then list stage as a table, as JSON and as YAML", async () => {
    const project = await newProject();
    expect(await ok(["create", "stage", "my-new-stage", "--type", "dev", "-p", project])).toBe(
      "stage my-new-stage created (dev, running)\n",
    );
    const table: string = await ok(["list", "stage", "-p", project]);
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe(`stages (${project})`);
    expect(lines[2]).toMatch(/^│ stage\s+│ type │ state\s+│ health\s+│ release │$/);
    expect(lines[4]).toMatch(/^│ my-new-stage │ dev\s+│ running │ unknown │ -\s+│$/);
    expect(await ok(["list", "stage", "-p", project, "-o", "json"])).toEqual([
      expect.objectContaining({ slug: "my-new-stage", name: "my-new-stage", type: "DEV", state: "RUNNING", currentRelease: null }),
    ]);
    expect(await ok(["list", "stages", "-p", project, "-o", "yaml"])).toMatch(/^- slug: my-new-stage\n\s+name: my-new-stage\n\s+type: DEV/);
    const listed = await ok(["list", "project", "-o", "json"]);
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ slug: project })]));
  });

  it("a taken Stage ID is a conflict (6); update keeps the ID; suspend twice is a state conflict (7); delete", async () => {
    const project = await newProject();
    await ok(["create", "stage", "My QA", "--type", "qa", "-p", project, "--grace", "5"]);
    await fails(
      ["create", "stage", "my-qa", "--type", "qa", "-p", project],
      6,
      /^error: conflict: Stage ID "my-qa" is taken: it already exists or is archived .*"my-qa-2" is free/,
    );
    await fails(["create", "stage", "x", "--type", "huge", "-p", project], 2, /--type huge: choose dev, qa or prod/);
    const updated = await ok(["update", "stage", "my-qa", "-p", project, "--name", "Renamed", "--type", "prod", "-o", "json"]);
    expect(updated).toMatchObject({ slug: "my-qa", name: "Renamed", type: "PROD", suspendGraceSeconds: 5, backupRetention: 10 });
    expect(await ok(["update", "stage", "my-qa", "-p", project, "--backup-retention", "3"])).toMatch(
      /^stage my-qa updated\n[\s\S]*backups kept:\s+3\n/,
    );
    await fails(["update", "stage", "my-qa", "-p", project, "--backup-retention", "few"], 2, /--backup-retention few: a whole number/);
    await fails(
      ["update", "stage", "my-qa", "-p", project, "--backup-retention", "101"],
      2,
      /backupRetention: must be a whole number of backups from 1 to 100/,
    );
    expect(await ok(["suspend", "stage", "my-qa", "-p", project])).toMatch(/^stage my-qa: suspend(ing|ed)\n$/);
    await fails(["suspend", "stage", "-s", "my-qa", "-p", project], 7, /^error: not possible now: Stage "my-qa" is SUSPEND/);
    expect(await ok(["resume", "stage", "my-qa", "-p", project])).toMatch(/^stage my-qa: (resuming|running)\n$/);
    expect(await ok(["delete", "stage", "my-qa", "-p", project])).toBe(
      "stage my-qa deleted (archived: pergola restore stage my-qa brings it back)\n",
    );
    await fails(["delete", "stage", "my-qa", "-p", project], 7, /already archived/);

    await fails(["suspend", "stage", "-p", project], 2, /which Stage\?/);
  });

  it("delete archives a Stage or a Project; restore brings it back; purge removes a Stage for good; list --archived, --all", async () => {
    const project = await newProject();
    await ok(["create", "stage", "my-qa", "--type", "prod", "-p", project]);
    await ok(["delete", "stage", "my-qa", "-p", project]);
    // Archived: out of the list, in the archived one; restored as it was; deleted again and purged for good.
    expect((await ok(["list", "stage", "-p", project, "-o", "json"])).map((s: { slug: string }) => s.slug)).not.toContain("my-qa");
    expect(await ok(["list", "stage", "-p", project, "--archived", "-o", "json"])).toMatchObject([
      { slug: "my-qa", archivedAt: expect.any(String) },
    ]);
    expect(await ok(["restore", "stage", "my-qa", "-p", project])).toMatch(/^stage my-qa restored: (resuming|running)\n$/);
    await ok(["delete", "stage", "my-qa", "-p", project]);
    // my-qa is PROD now: purged only with its Stage ID again.
    await fails(["purge", "stage", "my-qa", "-p", project], 2, /confirm/);
    expect(await ok(["purge", "stage", "my-qa", "-p", project, "--confirm", "my-qa"])).toBe("stage my-qa purged\n");
    await fails(["restore", "stage", "my-qa", "-p", project], 3, /not found/);

    // A Project is archived with its Stages, and restored with them.
    expect(await ok(["delete", "project", project])).toBe(
      `project ${project} deleted (archived: pergola restore project ${project} brings it back)\n`,
    );
    expect((await ok(["list", "project", "-o", "json"])).map((p: { slug: string }) => p.slug)).not.toContain(project);
    expect(await ok(["list", "project", "--archived", "-o", "json"])).toContainEqual(expect.objectContaining({ slug: project }));
    const all = await ok(["list", "project", "--all", "-o", "json"]);
    expect(all.filter((p: { slug: string; archivedAt: string | null }) => p.slug === project)).toEqual([
      expect.objectContaining({ archivedAt: expect.any(String) }),
    ]);
    await fails(["create", "stage", "late", "--type", "dev", "-p", project], 7, /archived/);
    expect(await ok(["restore", "project", project])).toBe(`project ${project} restored\n`);
    await ok(["create", "stage", "late", "--type", "dev", "-p", project]);
  });
});

const HELLO = join(ROOT, "examples/hello");

describe.concurrent("pergola: Builds and Releases, deployed by a real agent", { timeout: 180_000 }, () => {
  it("logs component --follow prints output as the agent ships it, with no change of state in between", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    const dir = appDir(
      "version: v1\ncomponents:\n  - name: web\n    command: [node, server.js]\n    ports: [8080]\n    ingresses:\n      - host: app\n        port: 8080\n",
      {
        "server.js": `require("http").createServer((req, res) => { console.log("request " + req.url); res.end("ok"); })
          .listen(8080, process.env.HOST, () => console.log("up"));
          process.on("SIGTERM", () => process.exit(0));`,
      },
    );
    await ok(["push", "build", "-p", project, "--dir", dir, "--branch", "logs"]);
    await ok(["push", "release", "-p", project, "-s", "dev", "--wait", "--timeout", "30s"]);
    const logs = follow(["logs", "component", "web", "-p", project, "-s", "dev", "--follow", "--tail", "5"]);
    await logs.until((lines) => (lines.includes("up") ? true : undefined));
    for (const path of ["/one", "/two"]) expect(await (await fetch(`${endpoint}/s/${project}/dev/app${path}`)).text()).toBe("ok");
    await logs.until((lines) => (lines.includes("request /one") && lines.includes("request /two") ? true : undefined));
    expect(logs.lines.filter((l) => l === "up")).toHaveLength(1);
    await logs.stop();
  });

  it("top shows each Component's CPU, memory and open files as the agent samples them, as JSON lines and as a table", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    // A service that holds ~40 MiB, so that its memory shows.
    const dir = appDir("version: v1\ncomponents:\n  - name: web\n    command: [node, server.js]\n    ports: [8080]\n", {
      "server.js": `const hold = Buffer.alloc(40 * 1024 * 1024, 1);
        require("http").createServer((req, res) => res.end(String(hold.length))).listen(8080, process.env.HOST);
        process.on("SIGTERM", () => process.exit(0));`,
    });
    await ok(["push", "build", "-p", project, "--dir", dir, "--branch", "top"]);
    await ok(["push", "release", "-p", project, "-s", "dev", "--wait", "--timeout", "30s"]);
    const json = follow(["top", "-p", project, "-s", "dev", "-o", "json"]);
    try {
      const web = await json.until((lines) =>
        lines
          .flatMap((l) => JSON.parse(l) as { name: string; usage: { memoryBytes: string; cpu: number; openFiles: number } | null }[])
          .find((c) => c.name === "web" && c.usage && Number(c.usage.memoryBytes) > 40 * 1024 * 1024),
      );
      expect(web.usage!.openFiles).toBeGreaterThan(0);
      expect(web.usage!.cpu).toBeGreaterThanOrEqual(0);
    } finally {
      await json.stop();
    }
    const table = follow(["top", "-p", project, "-s", "dev"]);
    try {
      await table.until((lines) =>
        lines.includes(`top (${project}/dev)`) &&
        lines.some((l) => /│ web\s+│ service │ running\s+│ \w+\s+│ \d+\s+│ \d+\.\d% *│ \d+\.\d MiB │/.test(l))
          ? true
          : undefined,
      );
    } finally {
      await table.stop();
    }
  });

  it("create backup, list backup, restore backup: examples/hello's visit counter back as it was", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project, "--grace", "1"]);
    await fails(["create", "backup", "-p", project, "-s", "dev", "--display-name", "none"], 7, /has no standard storage to back up/);
    await ok(["push", "build", "-p", project, "--dir", HELLO, "--branch", "backup"]);
    await ok(["push", "release", "-p", project, "-s", "dev", "--wait", "--timeout", "30s"]);
    const link = `${endpoint}/s/${project}/dev/hello/`;
    for (const n of [1, 2]) expect(await (await fetch(link)).text()).toContain(`Visit number ${n}.`);
    const created = await ok(["create", "backup", "-p", project, "-s", "dev", "--display-name", "two visits", "-o", "json"]);
    expect(created).toMatchObject({ displayName: "two visits", state: "PENDING", storages: [{ name: "web/data", ready: false }] });
    await eventually(
      async () => ((await ok(["list", "backup", "-p", project, "-s", "dev", "-o", "json"]))[0].state === "READY" ? true : undefined),
      20_000,
      "the backup READY",
    );
    const table: string = await ok(["list", "backup", "-p", project, "-s", "dev"]);
    expect(table).toMatch(new RegExp(`│ ${created.id} │ two visits │ ready\\s+│ [\\d.]+ (B|KiB)\\s+│ web/data\\s+│`));
    expect(await (await fetch(link)).text()).toContain("Visit number 3.");
    await fails(["restore", "backup", created.id, "-p", project, "-s", "dev"], 7, /Stage is not suspended/);
    await ok(["suspend", "stage", "dev", "-p", project]);
    await eventually(
      async () => ((await ok(["list", "stage", "-p", project, "-o", "json"]))[0].state === "SUSPENDED" ? true : undefined),
      20_000,
      "dev SUSPENDED",
    );
    expect(await ok(["restore", "backup", created.id, "-p", project, "-s", "dev"])).toMatch(
      /^restore of backup \S+ \(two visits\) pending/,
    );
    await eventually(
      async () => ((await ok(["list", "backup", "-p", project, "-s", "dev", "-o", "json"]))[0].restoreState === "DONE" ? true : undefined),
      20_000,
      "the restore DONE",
    );
    await ok(["resume", "stage", "dev", "-p", project]);
    await eventually(async () => ((await fetch(link)).status === 200 ? true : undefined), 20_000, "hello serving again");
    // The probe above counted one visit on the restored count of two.
    expect(await (await fetch(link)).text()).toContain("Visit number 4.");
  });

  it("push build of examples/hello, push release --wait deploys; list release, component, logs; promote; rollback", {
    timeout: 180_000,
  }, async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    await ok(["create", "stage", "qa", "--type", "qa", "-p", project]);
    expect(await ok(["validate", "manifest", HELLO])).toBe(`${HELLO}/pergola.yaml: valid\n`);
    expect(await ok(["push", "build", "-p", project, "--dir", HELLO, "--branch", "master"])).toBe("master_b1\n");
    const b2 = await ok(["push", "build", "-p", project, "--dir", HELLO, "--branch", "master", "-o", "json"]);
    expect(b2).toMatchObject({ name: "master_b2", branch: "master", status: "READY", files: 5 });

    const deployed = await pergola(["push", "release", "-p", project, "-s", "dev", "-b", "master_b1", "--wait", "--timeout", "30s"]);
    expect(deployed).toMatchObject({ code: 0, stdout: "release #1 of master_b1: deployed\n" });
    const second = await ok(["push", "release", "-p", project, "-s", "dev", "--wait", "-o", "json"]);
    expect(second).toMatchObject({ number: 2, state: "DEPLOYED", build: { name: "master_b2" } });

    const releases: string = await ok(["list", "release", "-p", project, "-s", "dev"]);
    expect(releases.split("\n")[0]).toBe(`releases (${project}/dev)`);
    expect(releases).toMatch(/│ build\s+│ config │ released\s+│ status\s+│/);
    expect(releases).toMatch(/│ master_b2 │ -\s+│ (just now|\d+ seconds? ago) by admin\s+│ deployed\s+│/);
    expect(releases).toMatch(/│ master_b1 │ -\s+│ .* by admin\s+│ superseded │/);

    const components = await ok(["list", "component", "-p", project, "-s", "dev", "-o", "json"]);
    expect(components.find((c: any) => c.name === "web")).toMatchObject({ kind: "SERVICE", state: "RUNNING", health: "HEALTHY" });
    expect(await ok(["list", "component", "-p", project, "-s", "dev"])).toMatch(
      new RegExp(`│ web\\s+│ service │ running\\s+│ healthy │ 0\\s+│ http://127\\.0\\.0\\.1:\\d+/s/${project}/dev/hello/`),
    );
    expect(await ok(["logs", "component", "web", "-p", project, "-s", "dev"])).toMatch(/hello listening on http/);
    await fails(["logs", "component", "nope", "-p", project, "-s", "dev"], 3, /Component "nope"/);
    expect(await ok(["list", "build", "-p", project])).toMatch(/│ master_b2 │ master │ .* by admin\s+│ \d+ KiB │ ready\s+│/);

    const promoted = await ok(["promote", "release", "-p", project, "--from", "dev", "--to", "qa", "--wait", "-o", "json"]);
    expect(promoted).toMatchObject({ state: "DEPLOYED", build: { name: "master_b2" } });
    const rolledBack = await ok(["rollback", "stage", "-p", project, "-s", "dev", "--wait", "-o", "json"]);
    expect(rolledBack).toMatchObject({ number: 3, state: "DEPLOYED", build: { name: "master_b1" } });
    expect(await ok(["list", "stage", "-p", project])).toMatch(/│ dev\s+│ dev\s+│ running │ healthy │ master_b1 \(deployed\) │/);
  });

  it("restart, stop and start component, run job: each asks the Stage's agent, which acts; the wrong kind, an unknown name or a suspended Stage is refused", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    await ok(["push", "build", "-p", project, "--dir", HELLO]);
    await ok(["push", "release", "-p", project, "-s", "dev", "--wait", "--timeout", "30s"]);
    const events = follow(["events", "-p", project, "--follow", "-o", "json"]);
    type Seen = { cursor: string; kind: string; subject: { name?: string; componentState?: string; health?: string } | null };
    /** The first event after `after` (a cursor) of `name` that `wanted` accepts. */
    const seen = (name: string, wanted: (e: Seen) => boolean, after = "0") =>
      events.until(
        (lines) =>
          lines
            .map((line) => JSON.parse(line) as Seen)
            .find((e) => BigInt(e.cursor) > BigInt(after) && e.subject?.name === name && wanted(e)),
        30_000,
      );
    const state = (s: string) => (e: Seen) => e.kind === "COMPONENT_CHANGED" && e.subject?.componentState === s;
    const dev = ["-p", project, "-s", "dev"];
    await seen("migrate", state("COMPLETED"));

    expect(await ok(["stop", "component", "web", ...dev])).toBe("component web: stop requested (running until its agent acts)\n");
    const stopped = await seen("web", state("STOPPED"));
    expect((await fetch(`${endpoint}/s/${project}/dev/hello/`)).status).toBe(503);
    await fails(["stop", "component", "web", ...dev], 7, /^error: not possible now: Component "web" is stopped already/);
    await fails(["stop", "component", "migrate", ...dev], 2, /"migrate" is a JOB; stopComponent is for services/);
    await fails(["restart", "component", "nope", ...dev], 3, /Component "nope" in Stage "dev" not found/);
    await fails(["run", "job", "web", ...dev], 2, /"web" is a SERVICE; runJob is for jobs and cron jobs/);

    const started = await ok(["start", "component", "web", ...dev, "-o", "json"]);
    expect(started).toMatchObject({ name: "web", kind: "SERVICE", state: "STOPPED" });
    const running = await seen("web", (e) => state("RUNNING")(e) && e.subject?.health === "HEALTHY", stopped.cursor);
    expect(await ok(["restart", "component", "web", ...dev])).toBe("component web: restart requested (running until its agent acts)\n");
    await seen("web", (e) => e.kind === "COMPONENT_CONTROLLED", running.cursor);
    expect(await ok(["run", "job", "tick", ...dev])).toBe("job tick: run requested (scheduled until its agent acts)\n");
    await seen("tick", state("RUNNING"));
    const list = await ok(["list", "component", ...dev, "-o", "json"]);
    expect(list.find((c: { name: string }) => c.name === "web")).toMatchObject({ restarts: 0 });

    await ok(["suspend", "stage", "dev", "-p", project]);
    await fails(["restart", "component", "web", ...dev], 7, /^error: not possible now: Stage "dev" is SUSPEND(ING|ED)/);
    await fails(["run", "job", "migrate", ...dev], 7, /^error: not possible now: Stage "dev" is SUSPEND(ING|ED)/);
    await events.stop();
  });

  it("push release --wait of a Release that fails exits 10; one that waits past --timeout exits 11; an invalid manifest exits 2", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    const dockerOnly = appDir("version: v1\ncomponents:\n  - name: db\n    docker:\n      image: postgres:16\n");
    expect(await ok(["push", "build", "-p", project, "--dir", dockerOnly])).toMatch(/^b1\n$/);
    const failed = await pergola(["push", "release", "-p", project, "-s", "dev", "-b", "b1", "--wait", "-o", "json"]);
    expect(failed.code).toBe(10);
    expect(JSON.parse(failed.stdout)).toMatchObject({ state: "FAILED", message: expect.stringMatching(/docker/i) });

    const invalid = appDir("version: v1\ncomponents:\n  - name: web\n    command: [node]\n    scheduled: every tuesday\n");
    const validation = await pergola(["validate", "manifest", join(invalid, "pergola.yaml")]);
    expect(validation).toMatchObject({ code: 2, stdout: expect.stringMatching(/components\[0\]\.scheduled: /) });
    await fails(["push", "build", "-p", project, "--dir", invalid], 2, /^error: invalid input: [\s\S]*components\[0\]\.scheduled/);
    await fails(["push", "build", "-p", project, "--dir", work], 2, /no manifest in/);

    // A Stage on an Outpost whose agent never connects: its Release waits.
    const outpost = uniqueSlug("op");
    await ok(["create", "outpost", outpost, "--id", outpost]);
    await ok(["create", "stage", "far", "--type", "prod", "-p", project, "--outpost-uri", `outpost://${outpost}`]);
    const hello = await ok(["push", "build", "-p", project, "--dir", HELLO, "-o", "json"]);
    await fails(["push", "release", "-p", project, "-s", "far", "-b", hello.name, "--wait", "--timeout", "2s"], 11, /timed out after 2s/);
  });
});

describe.concurrent("pergola: Configurations", { timeout: 180_000 }, () => {
  it("add config-data (env, secret, file), list config, list config-data with masked secrets, remove; expected version", async () => {
    const project = await newProject();
    await ok(["create", "stage", "dev", "--type", "dev", "-p", project]);
    const file = join(work, "app.json");
    writeFileSync(file, '{"debug":true}');
    const added = await ok([
      "add",
      "config-data",
      "-p",
      project,
      "-s",
      "dev",
      "--env",
      "GREETING=hi=there",
      "--secret",
      "DB_PASSWORD=s3cr3t",
      "--file",
      file,
      "-o",
      "json",
    ]);
    expect(added).toMatchObject({ name: "default", version: 1 });
    expect(await ok(["list", "config", "-p", project, "-s", "dev"])).toMatch(/│ default │ 1\s+│ 3\s+│/);
    const plain: string = await ok(["list", "config-data", "-p", project, "-s", "dev"]);
    expect(plain).not.toMatch(/hi=there|s3cr3t|value/);
    const withValues: string = await ok(["list", "config-data", "default", "-p", project, "-s", "dev", "--with-values"]);
    expect(withValues).toMatch(/│ GREETING\s+│ env\s+│ no\s+│ hi=there\s+│/);
    expect(withValues).toMatch(/│ DB_PASSWORD │ env\s+│ yes\s+│ \*{8}\s+│/);
    expect(withValues).toMatch(/│ app\.json\s+│ file │ no\s+│ \{"debug":true\}/);
    expect(withValues).not.toMatch(/s3cr3t/);
    const json = await ok(["list", "config-data", "-p", project, "-s", "dev", "--with-values", "-o", "json"]);
    expect(json.data).toContainEqual({ name: "DB_PASSWORD", kind: "ENV", secret: true, value: "********" });
    await fails(["add", "config-data", "-p", project, "-s", "dev", "--env", "X=1", "--expected-version", "0"], 6, /^error: conflict: /);
    await fails(["add", "config-data", "-p", project, "-s", "dev", "--env", "novalue"], 2, /expected NAME=VALUE/);
    expect(await ok(["remove", "config-data", "-p", project, "-s", "dev", "--env", "GREETING", "--expected-version", "1"])).toMatch(
      /version 2 \(2 entries\)/,
    );
    await fails(["list", "config-data", "other", "-p", project, "-s", "dev"], 3, /Configuration "other"/);
  });
});

describe.concurrent("pergola: Outposts", { timeout: 180_000 }, () => {
  it("create, list, validate, get, rotate the token, delete (refused while a Stage lives there)", async () => {
    const slug = uniqueSlug("berlin");
    const created = await ok([
      "create",
      "outpost",
      "Factory Berlin",
      "--id",
      slug,
      "--region",
      "eu-central",
      "--label",
      "site=berlin",
      "-o",
      "json",
    ]);
    expect(created).toMatchObject({
      agentToken: expect.stringMatching(/^pgl_/),
      agentCommand: expect.stringContaining("pergola-agent"),
      outpost: { uri: `outpost://${slug}`, status: "PENDING" },
    });
    expect(await ok(["list", "outpost"])).toMatch(new RegExp(`│ ${slug} │ outpost://${slug} │ pending │ eu-central │ 0`));
    expect(await ok(["validate", "outpost-uri", `outpost://${slug}`])).toMatch(
      /valid\n[\s\S]*region:\s+eu-central[\s\S]*warning NEVER_CONNECTED/,
    );
    const unknown = await pergola(["validate", "outpost-uri", "outpost://nowhere-at-all"]);
    expect(unknown).toMatchObject({ code: 2, stdout: expect.stringMatching(/not valid\n\s+problem UNKNOWN_OUTPOST/) });
    const project = await newProject();
    await fails(
      ["create", "stage", "x", "--type", "prod", "-p", project, "--outpost-uri", "outpost://nowhere-at-all"],
      2,
      /not a usable Outpost URI/,
    );
    const onOutpost = await pergola(["create", "stage", "berlin", "--type", "prod", "-p", project, "--outpost-uri", `outpost://${slug}`]);
    expect(onOutpost).toMatchObject({ code: 0, stdout: expect.stringMatching(/valid\n[\s\S]*stage berlin created/) });
    expect(await ok(["list", "stage", "-p", project])).toMatch(
      new RegExp(
        `│ stage\\s+│ type │ state\\s+│ health\\s+│ release │ outpost\\s+│ connection │[\\s\\S]*│ berlin │ prod │ running │ unknown │ -\\s+│ ${slug} │ pending\\s+│`,
      ),
    );
    expect(await ok(["get", "outpost", slug])).toMatch(/stages:\s+1[\s\S]*history[\s\S]*│ created │ registered by admin/);
    const rotated = await ok(["rotate", "outpost-token", slug, "-o", "json"]);
    expect(rotated.agentToken).not.toBe(created.agentToken);
    await fails(["delete", "outpost", slug], 7, /still runs 1 Stage/);
    await ok(["delete", "stage", "berlin", "-p", project]);
    // Archived, the Stage is still the Outpost's; purged, it is not.
    await fails(["delete", "outpost", slug], 7, /archived ones included: purge or move them first/);
    await ok(["purge", "stage", "berlin", "-p", project, "--confirm", "berlin"]);
    expect(await ok(["delete", "outpost", slug])).toBe(`outpost ${slug} deleted\n`);
    await fails(["get", "outpost", slug], 3, /not found/);
  });
});

describe.concurrent("pergola: webhooks", { timeout: 180_000 }, () => {
  it("create webhook and list webhook: a secret made here printed once, never listed; bad input exits 2", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const project = await newProject();
      const created = await ok([
        "create",
        "webhook",
        receiver.url,
        "-p",
        project,
        "--event",
        "stage-unhealthy",
        "--event",
        "RELEASE_FAILED",
        "-o",
        "json",
      ]);
      expect(created).toMatchObject({
        url: receiver.url,
        events: ["STAGE_UNHEALTHY", "RELEASE_FAILED"],
        project: { slug: project },
        secret: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(created.secretHint).toBe(`…${created.secret.slice(-4)}`);
      const own = "a-secret-of-my-own-1234";
      const human = await ok(["create", "webhook", `${receiver.url}?all`, "-p", project, "--secret", own]);
      expect(human).toMatch(
        /^webhook \S+ created: \S+\?all\n {2}project \S+; events: stage-unhealthy, stage-recovered, release-failed, release-deployed, outpost-offline, outpost-online\n/,
      );
      expect(human).not.toContain(own);

      // Its last delivery shows in the list once sent.
      const { sendTestWebhook } = await api.ok(`mutation($id: ID!) { sendTestWebhook(id: $id) { id } }`, { id: created.id });
      await receiver.until((r) => (r.some((q) => q.id === sendTestWebhook.id) ? true : undefined));
      await eventually(
        async () => {
          const { webhooks } = await api.ok(`query($p: String) { webhooks(project: $p) { deliveries(last: 1) { state } } }`, {
            p: project,
          });
          return webhooks[0].deliveries[0]?.state === "DELIVERED" ? true : undefined;
        },
        10_000,
        "the test delivery is not DELIVERED",
      );
      const table = await ok(["list", "webhook", "-p", project]);
      expect(table).toMatch(
        new RegExp(
          `│ ${created.id} │ \\S+/hook\\s+│ stage-unhealthy, release-failed\\s+│ …${created.secret.slice(-4)}\\s+│ ping: delivered \\(200\\), (now|\\d+ seconds? ago)`,
        ),
      );
      const listed = await ok(["list", "webhooks", "-p", project, "-o", "json"]);
      expect(listed.map((w: { id: string }) => w.id)).toEqual([created.id, expect.any(String)]);
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      expect(JSON.stringify(listed)).not.toContain(own);

      await Promise.all([
        fails(
          ["create", "webhook", "ftp://example.com/hook", "-p", project],
          2,
          /^error: invalid input: url: must be an http:\/\/ or https:\/\/ URL/,
        ),
        fails(["create", "webhook", `${endpoint}/graphql`, "-p", project], 2, /must not point at this Pergola API/),
        fails(["create", "webhook", receiver.url, "-p", project, "--event", "exploded"], 2, /--event exploded: one of stage-unhealthy/),
        fails(["create", "webhook", receiver.url, "-p", project, "--secret", "short"], 2, /secret: must be 16 to 256 characters/),
        fails(["list", "webhook", "-p", "no-such-project-here"], 3, /not found/),
      ]);
      const updated = await ok(["update", "webhook", created.id, "--event", "outpost-offline", "--secret", "rotated-secret-0123456789"]);
      expect(updated).toBe(`webhook ${created.id} updated: ${receiver.url}\n  events: outpost-offline; secret …6789\n`);
      await fails(["update", "webhook", created.id], 2, /nothing to change/);
      expect(await ok(["delete", "webhook", created.id])).toBe(`webhook ${created.id} deleted\n`);
      await fails(["delete", "webhook", created.id], 3, /not found/);
    } finally {
      await receiver.close();
    }
  });
});

describe.concurrent("pergola: watching", { timeout: 180_000 }, () => {
  it("events --follow --after CURSOR replays from right after it, then follows live: no gap, no duplicate", async () => {
    const project = await newProject();
    for (const s of ["a", "b", "c"]) await ok(["create", "stage", s, "--type", "dev", "-p", project]);
    const history = (await pergola(["events", "-p", project, "-o", "json"])).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(history.map((e) => e.kind)).toEqual(["PROJECT_CREATED", "STAGE_CREATED", "STAGE_CREATED", "STAGE_CREATED"]);
    const after = history[1].cursor as string;
    const events = follow(["events", "-p", project, "--follow", "--after", after, "-o", "json"]);
    try {
      await events.until((lines) => (lines.length >= 2 ? true : undefined));
      await ok(["create", "stage", "d", "--type", "dev", "-p", project]);
      await ok(["suspend", "stage", "d", "-p", project]);
      const seen = await events.until((lines) => {
        const parsed = lines.map((l) => JSON.parse(l) as { cursor: string; kind: string; stage: { slug: string; state: string } | null });
        return parsed.some((e) => e.stage?.slug === "d" && e.stage.state === "SUSPENDED") ? parsed : undefined;
      });
      const cursors = seen.map((e) => Number(e.cursor));
      expect(cursors[0]).toBe(Number(after) + 1);
      expect(cursors).toEqual(cursors.map((_, i) => cursors[0]! + i));
      expect(seen.slice(0, 2).map((e) => e.stage?.slug)).toEqual(["b", "c"]);
    } finally {
      await events.stop();
    }
    expect((await pergola(["events", "-p", project, "--after", "99999"])).code).toBe(2);
    expect(await ok(["events", "-p", project, "--after", after])).toMatch(
      new RegExp(`^#${Number(after) + 1}  \\S+  stage_created  stage b running`),
    );
  });

  it("watch health prints the SNAPSHOT of every Stage, then each change, as JSON lines and as a table", async () => {
    const project = await newProject();
    await ok(["create", "stage", "first", "--type", "prod", "-p", project]);
    const watch = follow(["watch", "health", "-o", "json"]);
    try {
      const snapshot = await watch.until((lines) => {
        const event = lines.map((l) => JSON.parse(l)).find((e) => e.kind === "SNAPSHOT");
        return event;
      });
      expect(snapshot.stages).toContainEqual(expect.objectContaining({ project, stage: "first", type: "PROD", health: "UNKNOWN" }));
      await ok(["create", "stage", "second", "--type", "qa", "-p", project]);
      await ok(["suspend", "stage", "second", "-p", project]);
      const changes = await watch.until((lines) => {
        const events = lines.map((l) => JSON.parse(l)).filter((e) => e.stages.some((s: { project: string }) => s.project === project));
        return events.some((e) => e.kind === "STAGE_STATE_CHANGED") ? events.map((e) => e.kind) : undefined;
      });
      expect(changes).toEqual(expect.arrayContaining(["SNAPSHOT", "STAGE_ADDED", "STAGE_STATE_CHANGED"]));
    } finally {
      await watch.stop();
    }
    const table = follow(["watch", "health"]);
    try {
      await table.until((lines) =>
        lines.some((l) => l.startsWith("health (")) &&
        lines.some((l) => new RegExp(`│ ${project}\\s+│ second\\s+│ qa\\s+│ suspend`).test(l))
          ? true
          : undefined,
      );
    } finally {
      await table.stop();
    }
  });

  it("watch stage draws the table, then again on every change", async () => {
    const project = await newProject();
    await ok(["create", "stage", "first", "--type", "dev", "-p", project]);
    const watch = follow(["watch", "stage", "-p", project, "-o", "json"]);
    try {
      await watch.until((lines) => (lines.some((l) => l.includes('"first"')) ? true : undefined));
      await ok(["create", "stage", "second", "--type", "qa", "-p", project]);
      await ok(["suspend", "stage", "second", "-p", project]);
      const last = await watch.until((lines) => {
        const stages = JSON.parse(lines[lines.length - 1]!) as { slug: string; state: string }[];
        return stages.find((s) => s.slug === "second")?.state === "SUSPENDED" ? stages : undefined;
      });
      expect(last.map((s) => s.slug)).toEqual(["first", "second"]);
    } finally {
      await watch.stop();
    }
    const table = follow(["watch", "stage", "-p", project]);
    try {
      await table.until((lines) =>
        lines.includes(`stages (${project})`) && lines.some((l) => /│ second │ qa\s+│ suspended │/.test(l)) ? true : undefined,
      );
    } finally {
      await table.stop();
    }
  });
});
