/**
 * The files a team deploys with — the Dockerfiles, deploy/compose.yaml, deploy/haproxy.cfg — run
 * the commands the tests run. Images cannot be built on this machine (no Docker), so this checks
 * what can be: each service's command is one a test starts (the API's entry, the dashboard's
 * standalone server, HAProxy's configuration, the agent's command line), its environment is one
 * the app accepts, and the images are multi-stage, production-only and non-root.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createProgram, type Flags } from "../apps/agent/src/cli-program.js";
import { readEnv as readAgentEnv } from "../apps/agent/src/env.js";
import { readEnv as readApiEnv } from "../apps/api/src/env.js";
import { ROOT } from "./support/processes.js";

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** What deploy/.env would hold (deploy/compose.env.example names them). */
const SAMPLE_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: "s3cret",
  PERGOLA_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
  PERGOLA_ADMIN_TOKEN: "pgl_0123456789abcdefghijklmnop",
  PERGOLA_AGENT_TOKEN: "pgl_abcdefghijklmnop0123456789",
};

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const value = SAMPLE_ENV[name];
    if (value !== undefined && value !== "") return value;
    if (kind === "-") return rest ?? "";
    if (kind === "?") throw new Error(`compose would stop: ${rest}`);
    return "";
  });
}

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
};
const compose = parse(interpolate(read("deploy/compose.yaml"))) as { services: Record<string, Service> };
const { services } = compose;

/** A Dockerfile's instructions of one kind, in its last stage (the image). */
function finalStage(path: string): { from: number; lines: string[] } {
  const text = read(path).replace(/\\\n/g, " ");
  const lines = text.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  const stages = lines.filter((l) => l.startsWith("FROM ")).length;
  const last = lines
    .map((l, i) => (l.startsWith("FROM ") ? i : -1))
    .filter((i) => i >= 0)
    .pop()!;
  return { from: stages, lines: lines.slice(last) };
}
const instruction = (stage: { lines: string[] }, name: string) =>
  stage.lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

describe("the API and dashboard image (Dockerfile)", () => {
  const image = finalStage("Dockerfile");

  it("is multi-stage, production-only and non-root, and runs the API's entry the tests run", () => {
    expect(image.from).toBeGreaterThanOrEqual(3);
    expect(read("Dockerfile")).toMatch(/npm ci --omit=dev/);
    expect(instruction(image, "USER")).toEqual(["node"]);
    const [cmd] = instruction(image, "CMD");
    expect(JSON.parse(cmd!)).toEqual(["node", "apps/api/dist/index.js"]);
    // testing/process.ts spawns this file; the build made it.
    expect(existsSync(join(ROOT, "apps/api/dist/index.js"))).toBe(true);
    expect(read("apps/api/src/testing/process.ts")).toContain('new URL("../../dist/index.js", import.meta.url)');
  });

  it("ships the dashboard's standalone server, the one npm start runs, and the dashboard service runs it", () => {
    expect(read("Dockerfile")).toMatch(/COPY --from=build \/src\/apps\/dashboard\/\.next\/standalone dashboard/);
    expect(services.dashboard!.command).toEqual(["node", "dashboard/apps/dashboard/server.js"]);
    expect(existsSync(join(ROOT, "apps/dashboard/.next/standalone/apps/dashboard/server.js"))).toBe(true);
    expect(existsSync(join(ROOT, "apps/dashboard/.next/standalone/apps/dashboard/.next/static"))).toBe(true);
    expect(read("scripts/start.mjs")).toContain('"apps/dashboard/.next/standalone/apps/dashboard"');
    expect(services.dashboard!.environment).toMatchObject({ PORT: "3000", HOSTNAME: "0.0.0.0", PERGOLA_API_URL: "http://haproxy:8080" });
  });
});

describe("deploy/compose.yaml", () => {
  it("runs two API replicas of one image with the same environment, which the API accepts", () => {
    const [api1, api2] = [services.api1!, services.api2!];
    expect(api1).toEqual(api2);
    expect(api1.image).toBe("pergola");
    expect(api1.build).toEqual({ context: "..", dockerfile: "Dockerfile" });
    const env = readApiEnv({ ...api1.environment, HOST: "0.0.0.0", PORT: "4000" });
    expect(env.DATABASE_URL).toBe("postgres://pergola:s3cret@postgres:5432/pergola");
    expect(env.PERGOLA_PUBLIC_URL).toBe("http://localhost:8080");
    expect(env.PERGOLA_DRAIN_SECONDS).toBeGreaterThan(0);
  });

  it("stops before starting when a secret is missing, naming it", () => {
    const without = { ...SAMPLE_ENV };
    delete SAMPLE_ENV.PERGOLA_SECRET_KEY;
    try {
      expect(() => interpolate(read("deploy/compose.yaml"))).toThrow(/set PERGOLA_SECRET_KEY in deploy\/.env/);
    } finally {
      Object.assign(SAMPLE_ENV, without);
    }
  });

  it("puts HAProxy in front with deploy/haproxy.cfg and exactly the variables it reads; the configuration is valid", async () => {
    const haproxy = services.haproxy!;
    expect(haproxy.volumes).toContain("./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    const config = read("deploy/haproxy.cfg")
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("#"))
      .join("\n");
    const variables = [...new Set([...config.matchAll(/"\$\{([A-Z0-9_]+)\}"/g)].map((m) => m[1]!))].sort();
    expect(Object.keys(haproxy.environment!).sort()).toEqual(variables);
    expect(haproxy.environment).toMatchObject({ PERGOLA_API_1: "api1:4000", PERGOLA_API_2: "api2:4000" });
    // Debian's haproxy (the one test/haproxy.pg.test.ts runs) checks it, with addresses it can resolve here.
    const binary = existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
    const { stdout } = await promisify(execFile)(binary, ["-c", "-f", join(ROOT, "deploy/haproxy.cfg")], {
      env: {
        PATH: process.env.PATH ?? "",
        PERGOLA_LB_BIND: "127.0.0.1:18080",
        PERGOLA_API_1: "127.0.0.1:4001",
        PERGOLA_API_2: "127.0.0.1:4002",
      },
    });
    expect(stdout).toMatch(/Configuration file is valid/);
  });

  it("runs the agent from its package with a command line the agent accepts", () => {
    const agent = services.agent!;
    expect(agent.build).toEqual({ context: "..", dockerfile: "apps/agent/Dockerfile" });
    const image = finalStage("apps/agent/Dockerfile");
    expect(image.from).toBeGreaterThanOrEqual(2);
    expect(instruction(image, "USER")).toEqual(["node"]);
    expect(read("apps/agent/Dockerfile")).toMatch(/npm run pack -w @pergola\/agent/);
    expect(read("apps/agent/Dockerfile")).toMatch(/npm install -g --omit=dev/);
    const entrypoint = JSON.parse(instruction(image, "ENTRYPOINT")[0]!) as string[];
    expect(entrypoint[0]).toBe("pergola-agent");
    const program = createProgram(readAgentEnv(agent.environment!)).exitOverride();
    program.parse([...entrypoint.slice(1), ...agent.command!], { from: "user" });
    expect(program.opts<Flags>()).toMatchObject({
      server: "http://haproxy:8080",
      publicUrl: "http://localhost:8000",
      linksListen: { host: "0.0.0.0", port: 8000 },
      dataDir: "/var/lib/pergola-agent",
      allowSameUser: true,
    });
    expect(agent.ports).toContain("8000:8000");
  });
});
