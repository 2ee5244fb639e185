import { describe, expect, it } from "vitest";
import { needsContainerRuntime } from "./component.js";
import type { Component } from "./manifest.type.js";
import { MANIFEST_FILE_NAMES, parseManifest } from "./parse-manifest.js";
import { formatPath, formatProblem } from "./problems.js";
import { getComponentKind, getCronProblem } from "./schedule.js";
import { validateManifest } from "./validate-manifest.js";

/** The sample app (examples/hello): a service with a link, a probe, config and storage; a `@release` job; a cron job. */
const HELLO_YAML = `version: v1
components:
  - name: web
    command: ["node", "server.js"]
    env:
      - name: GREETING
        config-ref: greeting
        value: Hello
      - name: WORKER_HOST
        component-ref: nightly
    ports:
      - 8080
    ingresses:
      - host: hello
        port: 8080
    storage:
      - name: data
        path: /var/lib/hello
        size: 1Gi
    health:
      http:
        path: /healthz
        port: 8080
  - name: migrate
    command: node migrate.js
    scheduled: "@release"
  - name: nightly
    command: ["node", "report.js"]
    args: ["--since", "24h"]
    scheduled: "*/5 * * * *"
`;

/** Every field of the format, each with a non-default value where there is one. */
const FULL = {
  version: "v1",
  components: [
    {
      name: "web-api",
      command: ["node", "server.js"],
      args: ["--port", "8080"],
      env: [
        { name: "API_VERSION", value: "v1" },
        { name: "LOG_LEVEL", "config-ref": "loglevel", value: "info" },
        { name: "DB_USER", "config-ref": "db.user" },
        { name: "DB_HOST", "component-ref": "db" },
      ],
      files: [
        { path: "/etc/web-api/config.json", "config-ref": "web-api-config.json" },
        { path: "/var/lib/web-api/static.xml", content: "<note/>\n" },
      ],
      ports: [8080, 9091],
      ingresses: [
        { host: "api", path: "/v1", port: 8080 },
        { host: "metrics", port: 9091 },
      ],
      storage: [
        { name: "cache", path: "/var/cache/web-api", size: "500Mi", type: "temporary" },
        { name: "uploads", path: "/srv/uploads", size: "1Gi" },
      ],
      scaling: { min: 2, max: 5 },
      resources: { cpu: "500m", memory: "2Gi" },
      docker: { file: "Dockerfile", "build-context": "web", "build-args": [{ name: "ARG1", value: "x" }] },
      identity: "web-identity",
      health: { http: { path: "/healthz", port: 9091 }, interval: "30s", timeout: "2s", threshold: 5 },
    },
    {
      name: "db",
      docker: { image: "postgres:16" },
      ports: [5432],
      resources: { cpu: 1 },
      health: { command: ["pg_isready", "-U", "postgres"] },
    },
    { name: "seed", command: "node seed.js", scheduled: "@release", "max-retries": 0 },
    { name: "report", command: "node report.js", scheduled: "0 2 * * *" },
  ],
};

function problemsOf(manifest: unknown): string[] {
  return validateManifest(manifest).problems.map(formatProblem);
}

/** A manifest of one Component `web` (a command, port 8080) with `fields` added or replaced. */
function withWeb(fields: Record<string, unknown>, ...others: Record<string, unknown>[]): unknown {
  return { version: "v1", components: [{ name: "web", command: "node server.js", ports: [8080], ...fields }, ...others] };
}

function validComponents(manifest: unknown): Component[] {
  const result = validateManifest(manifest);
  expect(result.problems).toEqual([]);
  if (!result.valid) throw new Error("invalid");
  return result.manifest.components;
}

describe("a valid manifest", () => {
  it("reads the hello example and applies the defaults", () => {
    const result = parseManifest(HELLO_YAML, "pergola.yaml");
    expect(result.problems).toEqual([]);
    if (!result.valid) return;
    const [web, migrate, nightly] = result.manifest.components;
    expect(web).toEqual({
      name: "web",
      kind: "SERVICE",
      command: ["node", "server.js"],
      args: [],
      env: [
        { name: "GREETING", configRef: "greeting", value: "Hello" },
        { name: "WORKER_HOST", componentRef: "nightly" },
      ],
      files: [],
      ports: [8080],
      ingresses: [{ host: "hello", path: "/", port: 8080 }],
      storage: [{ name: "data", path: "/var/lib/hello", size: "1Gi", sizeBytes: 2 ** 30, type: "standard" }],
      health: { http: { path: "/healthz", port: 8080 }, intervalMs: 10_000, timeoutMs: 5_000, threshold: 3 },
    });
    expect(migrate).toMatchObject({ kind: "JOB", scheduled: "@release", maxRetries: 3, command: "node migrate.js" });
    expect(nightly).toMatchObject({ kind: "CRON", scheduled: "*/5 * * * *", args: ["--since", "24h"] });
    expect(nightly).not.toHaveProperty("maxRetries");
  });

  it("keeps every field of the format, normalized", () => {
    const [web, db, seed, report] = validComponents(FULL);
    expect(web).toEqual({
      name: "web-api",
      kind: "SERVICE",
      command: ["node", "server.js"],
      args: ["--port", "8080"],
      env: [
        { name: "API_VERSION", value: "v1" },
        { name: "LOG_LEVEL", configRef: "loglevel", value: "info" },
        { name: "DB_USER", configRef: "db.user" },
        { name: "DB_HOST", componentRef: "db" },
      ],
      files: [
        { path: "/etc/web-api/config.json", configRef: "web-api-config.json" },
        { path: "/var/lib/web-api/static.xml", content: "<note/>\n" },
      ],
      ports: [8080, 9091],
      ingresses: [
        { host: "api", path: "/v1", port: 8080 },
        { host: "metrics", path: "/", port: 9091 },
      ],
      storage: [
        { name: "cache", path: "/var/cache/web-api", size: "500Mi", sizeBytes: 500 * 2 ** 20, type: "temporary" },
        { name: "uploads", path: "/srv/uploads", size: "1Gi", sizeBytes: 2 ** 30, type: "standard" },
      ],
      scaling: { min: 2, max: 5 },
      resources: { cpu: "500m", memory: "2Gi" },
      docker: { file: "Dockerfile", buildContext: "web", buildArgs: [{ name: "ARG1", value: "x" }] },
      identity: "web-identity",
      health: { http: { path: "/healthz", port: 9091 }, intervalMs: 30_000, timeoutMs: 2_000, threshold: 5 },
    });
    expect(db).toMatchObject({
      kind: "SERVICE",
      docker: { image: "postgres:16" },
      resources: { cpu: "1" },
      health: { command: ["pg_isready", "-U", "postgres"], intervalMs: 10_000, timeoutMs: 5_000, threshold: 3 },
    });
    expect(db).not.toHaveProperty("command");
    expect(seed).toMatchObject({ kind: "JOB", maxRetries: 0 });
    expect(report).toMatchObject({ kind: "CRON", scheduled: "0 2 * * *" });
  });

  it("reads JSON by file name or by its opening brace, and YAML by file name", () => {
    const json = JSON.stringify(FULL, null, 2);
    expect(parseManifest(json, "pergola.json").valid).toBe(true);
    expect(parseManifest(`\n  ${json}`).valid).toBe(true);
    expect(parseManifest(HELLO_YAML, "some/dir/pergola.yml").valid).toBe(true);
    expect(parseManifest(HELLO_YAML).valid).toBe(true);
    expect(MANIFEST_FILE_NAMES).toEqual(["pergola.yaml", "pergola.yml", "pergola.json"]);
  });

  it("accepts a Component with only docker, which needs a container runtime", () => {
    const [db, web] = validComponents({
      version: "v1",
      components: [
        { name: "db", docker: { image: "postgres:16" } },
        { name: "web", command: "node server.js", docker: { file: "Dockerfile" } },
      ],
    });
    expect(needsContainerRuntime(db!)).toBe(true);
    expect(needsContainerRuntime(web!)).toBe(false);
    expect(web!.docker).toEqual({ file: "Dockerfile", buildContext: ".", buildArgs: [] });
  });
});

describe("syntax errors", () => {
  it("reports invalid YAML as one problem naming the line", () => {
    const result = parseManifest("version: v1\ncomponents:\n  - name: web\n   command: x\n", "pergola.yaml");
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.path).toBe("");
    expect(result.problems[0]!.message).toMatch(/^invalid YAML: .* at line 4, column \d+$/);
  });

  it("reports duplicate YAML keys", () => {
    expect(parseManifest("version: v1\nversion: v1\n").problems.map(formatProblem)).toEqual([
      "invalid YAML: Map keys must be unique at line 2, column 1",
    ]);
  });

  it("reports invalid JSON as one problem", () => {
    const result = parseManifest('{"version": "v1",', "pergola.json");
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: "", message: expect.stringMatching(/^invalid JSON: /) });
  });

  it("reports an empty file and a manifest that is not an object", () => {
    expect(parseManifest("").problems.map(formatProblem)).toEqual(["the manifest is empty"]);
    expect(parseManifest("- web\n").problems.map(formatProblem)).toEqual(["the manifest must be an object with version and components"]);
  });
});

describe("cron expressions", () => {
  it.each(["*/5 * * * *", "0 2 * * *", "49 9,12,15 * * *", "0 2 * * MON-FRI"])("accepts %s", (expression) => {
    expect(getCronProblem(expression)).toBeUndefined();
    expect(validComponents(withWeb({ scheduled: expression }))[0]!.kind).toBe("CRON");
  });

  it.each([
    ["61 * * * *", "not a cron expression"],
    ["every day", "not a cron expression"],
    ["* * * * * *", "not a cron expression"],
    ["", "must not be empty"],
    ["@daily", 'unknown directive @daily (use @release or a cron expression such as "0 2 * * *")'],
    ["0 0 30 2 *", "never runs (no date matches this cron expression)"],
  ])("rejects %j", (expression, message) => {
    expect(problemsOf(withWeb({ scheduled: expression }))).toEqual([`components[0].scheduled: ${message}`]);
  });

  it("derives the kind from scheduled", () => {
    expect(getComponentKind(undefined)).toBe("SERVICE");
    expect(getComponentKind("@release")).toBe("JOB");
    expect(getComponentKind("0 2 * * *")).toBe("CRON");
  });
});

describe("each rule names its path", () => {
  it.each<[string, unknown, string[]]>([
    ["version missing", { components: [{ name: "web", command: "x" }] }, ["version: required (version: v1)"]],
    ["version wrong", { version: 1, components: [{ name: "web", command: "x" }] }, ["version: must be v1"]],
    ["components missing", { version: "v1" }, ["components: required (at least one component)"]],
    ["components empty", { version: "v1", components: [] }, ["components: must have at least one component"]],
    ["components not a list", { version: "v1", components: { web: {} } }, ["components: must be a list"]],
    ["unknown top-level field", { version: "v1", name: "x", components: [{ name: "web", command: "x" }] }, ["name: unknown field"]],
    ["component not an object", { version: "v1", components: ["web"] }, ["components[0]: must be an object"]],
    ["misspelt field", withWeb({ comand: "x" }), ["components[0].comand: unknown field (did you mean command?)"]],
    ["camelCase field", withWeb({ maxRetries: 1 }), ["components[0].maxRetries: unknown field (did you mean max-retries?)"]],
    ["unknown field", withWeb({ replicas: 2 }), ["components[0].replicas: unknown field"]],
    ["name missing", { version: "v1", components: [{ command: "x" }] }, ["components[0].name: required"]],
    [
      "name not a DNS label",
      withWeb({ name: "Web_1" }),
      ["components[0].name: not a DNS label (at most 63 lowercase letters, digits and -, starting and ending with a letter or digit)"],
    ],
    [
      "duplicate name",
      withWeb({}, { name: "web", command: "y" }),
      ["components[1].name: duplicate component name web (also at components[0].name)"],
    ],
    ["neither command nor docker", { version: "v1", components: [{ name: "web" }] }, ["components[0]: needs command or docker"]],
    ["command of wrong type", withWeb({ command: 5 }), ["components[0].command: must be a string or a list of strings"]],
    ["command empty list", withWeb({ command: [] }), ["components[0].command: must not be empty"]],
    ["command with a number", withWeb({ command: ["node", 5] }), ['components[0].command[1]: must be a string (write "5" in quotes)']],
    ["args not a list", withWeb({ args: "--verbose" }), ["components[0].args: must be a list of strings"]],
    ["env not a list", withWeb({ env: { A: "b" } }), ["components[0].env: must be a list"]],
    ["env without a source", withWeb({ env: [{ name: "A" }] }), ["components[0].env[0]: needs value, config-ref or component-ref"]],
    [
      "env with both refs",
      withWeb({ env: [{ name: "A", "config-ref": "a", "component-ref": "db" }] }, { name: "db", command: "y" }),
      ["components[0].env[0]: use either config-ref or component-ref, not both"],
    ],
    [
      "env value beside component-ref",
      withWeb({ env: [{ name: "A", "component-ref": "db", value: "x" }] }, { name: "db", command: "y" }),
      ["components[0].env[0].value: not allowed beside component-ref"],
    ],
    [
      "env component-ref unknown",
      withWeb({ env: [{ name: "DB_HOST", "component-ref": "dbb" }] }),
      ['components[0].env[0].component-ref: no component named "dbb" in this manifest'],
    ],
    [
      "env component-ref to itself",
      withWeb({ env: [{ name: "SELF", "component-ref": "web" }] }),
      ["components[0].env[0].component-ref: a component cannot refer to itself"],
    ],
    ["env config-ref empty", withWeb({ env: [{ name: "A", "config-ref": "" }] }), ["components[0].env[0].config-ref: must not be empty"]],
    [
      "env name invalid",
      withWeb({ env: [{ name: "1A", value: "x" }] }),
      ["components[0].env[0].name: not a valid variable name (letters, digits and _, not starting with a digit)"],
    ],
    [
      "env number value",
      withWeb({ env: [{ name: "PORT", value: 5432 }] }),
      ['components[0].env[0].value: must be a string (write "5432" in quotes)'],
    ],
    [
      "env duplicate",
      withWeb({
        env: [
          { name: "A", value: "1" },
          { name: "A", value: "2" },
        ],
      }),
      ["components[0].env[1].name: duplicate variable A (also at components[0].env[0].name)"],
    ],
    [
      "file path relative",
      withWeb({ files: [{ path: "etc/a", content: "" }] }),
      ["components[0].files[0].path: must be an absolute path (starting with /)"],
    ],
    [
      "file with both sources",
      withWeb({ files: [{ path: "/a", content: "x", "config-ref": "a" }] }),
      ["components[0].files[0]: use either config-ref or content, not both"],
    ],
    ["file without a source", withWeb({ files: [{ path: "/a" }] }), ["components[0].files[0]: needs config-ref or content"]],
    [
      "file duplicate path",
      withWeb({
        files: [
          { path: "/a", content: "" },
          { path: "/a", content: "" },
        ],
      }),
      ["components[0].files[1].path: duplicate path /a (also at components[0].files[0].path)"],
    ],
    ["port out of range", withWeb({ ports: [8080, 70000] }), ["components[0].ports[1]: must be between 1 and 65535"]],
    ["port not an integer", withWeb({ ports: ["8080"] }), ["components[0].ports[0]: must be an integer"]],
    ["port duplicate", withWeb({ ports: [8080, 8080] }), ["components[0].ports[1]: duplicate port 8080 (also at components[0].ports[0])"]],
    [
      "ingress port not declared",
      withWeb({ ingresses: [{ host: "web", port: 9090 }] }),
      ["components[0].ingresses[0].port: not one of the component's ports (8080)"],
    ],
    [
      "ingress without ports",
      withWeb({ ports: undefined, ingresses: [{ host: "web", port: 8080 }] }),
      ["components[0].ingresses[0].port: not one of the component's ports (it declares none)"],
    ],
    ["ingress port missing", withWeb({ ingresses: [{ host: "web" }] }), ["components[0].ingresses[0].port: required"]],
    [
      "ingress host not a DNS label",
      withWeb({ ingresses: [{ host: "my.host", port: 8080 }] }),
      [
        "components[0].ingresses[0].host: not a DNS label (at most 63 lowercase letters, digits and -, starting and ending with a letter or digit)",
      ],
    ],
    [
      "ingress path relative",
      withWeb({ ingresses: [{ host: "web", path: "v1", port: 8080 }] }),
      ["components[0].ingresses[0].path: must be a URL path starting with / (no spaces, ? or #)"],
    ],
    [
      "ingress route taken",
      withWeb(
        { ingresses: [{ host: "web", port: 8080 }] },
        { name: "api", command: "y", ports: [80], ingresses: [{ host: "web", path: "/", port: 80 }] },
      ),
      ["components[1].ingresses[0]: host web with path / is already used by components[0].ingresses[0]"],
    ],
    [
      "storage size",
      withWeb({ storage: [{ name: "data", path: "/data", size: "1 GB" }] }),
      ["components[0].storage[0].size: not a size (such as 500Mi, 1Gi or 10G)"],
    ],
    ["storage size missing", withWeb({ storage: [{ name: "data", path: "/data" }] }), ["components[0].storage[0].size: required"]],
    [
      "storage type",
      withWeb({ storage: [{ name: "data", path: "/data", size: "1Gi", type: "fast" }] }),
      ["components[0].storage[0].type: must be standard or temporary"],
    ],
    [
      "storage duplicate name",
      withWeb({
        storage: [
          { name: "d", path: "/a", size: "1Gi" },
          { name: "d", path: "/b", size: "1Gi" },
        ],
      }),
      ["components[0].storage[1].name: duplicate storage name d (also at components[0].storage[0].name)"],
    ],
    ["scheduled not a string", withWeb({ scheduled: 5 }), ['components[0].scheduled: must be a string (write "5" in quotes)']],
    ["max-retries negative", withWeb({ scheduled: "@release", "max-retries": -1 }), ["components[0].max-retries: must be at least 0"]],
    [
      "max-retries not an integer",
      withWeb({ scheduled: "@release", "max-retries": 1.5 }),
      ["components[0].max-retries: must be an integer"],
    ],
    [
      "max-retries without @release",
      withWeb({ scheduled: "0 2 * * *", "max-retries": 2 }),
      ['components[0].max-retries: only allowed with scheduled: "@release"'],
    ],
    [
      "scaling of wrong type",
      withWeb({ scaling: { min: "2", max: 0 } }),
      ["components[0].scaling.min: must be an integer", "components[0].scaling.max: must be at least 1"],
    ],
    ["scaling min above max", withWeb({ scaling: { min: 3, max: 2 } }), ["components[0].scaling.min: must not be greater than max (2)"]],
    [
      "resources of wrong type",
      withWeb({ resources: { cpu: "lots", memory: 2, gpu: 1 } }),
      [
        "components[0].resources.gpu: unknown field",
        "components[0].resources.cpu: not a CPU amount (such as 500m or 2)",
        'components[0].resources.memory: must be a size with a unit, such as "512Mi"',
      ],
    ],
    ["resources not an object", withWeb({ resources: "big" }), ["components[0].resources: must be an object"]],
    [
      "docker with image and file",
      withWeb({ docker: { image: "a", file: "b" } }),
      ["components[0].docker: use either image or file, not both"],
    ],
    ["docker with neither", withWeb({ docker: {} }), ["components[0].docker: needs image or file"]],
    [
      "docker build-args with image",
      withWeb({ docker: { image: "a", "build-args": [] } }),
      ["components[0].docker.build-args: only allowed with file"],
    ],
    ["identity not a string", withWeb({ identity: { aws: "x" } }), ["components[0].identity: must be a string"]],
    [
      "health with both probes",
      withWeb({ health: { http: { port: 8080 }, command: "true" } }),
      ["components[0].health: use either http or command, not both"],
    ],
    ["health without a probe", withWeb({ health: { interval: "5s" } }), ["components[0].health: needs http or command"]],
    [
      "health port not declared",
      withWeb({ health: { http: { path: "/healthz", port: 9000 } } }),
      ["components[0].health.http.port: not one of the component's ports (8080)"],
    ],
    [
      "health duration as a number",
      withWeb({ health: { command: "true", interval: 10 } }),
      ['components[0].health.interval: must be a duration with a unit, such as "10s"'],
    ],
    [
      "health duration invalid",
      withWeb({ health: { command: "true", timeout: "soon" } }),
      ["components[0].health.timeout: not a duration (such as 10s, 500ms or 1m)"],
    ],
    [
      "health timeout above interval",
      withWeb({ health: { command: "true", interval: "2s", timeout: "3s" } }),
      ["components[0].health.timeout: must not be longer than interval"],
    ],
    ["health threshold", withWeb({ health: { command: "true", threshold: 0 } }), ["components[0].health.threshold: must be at least 1"]],
    [
      "health typo",
      withWeb({ health: { command: "true", intervall: "5s" } }),
      ["components[0].health.intervall: unknown field (did you mean interval?)"],
    ],
  ])("%s", (_, manifest, expected) => {
    expect(problemsOf(manifest)).toEqual(expected);
  });

  it("keeps the manifest's own key names and indexes in paths", () => {
    expect(
      problemsOf(withWeb({}, { name: "a", command: "x" }, { name: "b", command: "y", env: [{ name: "A", "config-ref": 3 }] })),
    ).toEqual(['components[2].env[0].config-ref: must be a string (write "3" in quotes)']);
  });
});

describe("several problems", () => {
  it("are all reported at once, in the order of the file", () => {
    const yaml = `version: v2
components:
  - name: web
    comand: node server.js
    ports: [8080]
    ingresses:
      - host: web
        port: 9090
    env:
      - name: DB_HOST
        component-ref: dbb
  - name: web
    command: ["node", "job.js"]
    scheduled: every day
    max-retries: 3
`;
    expect(parseManifest(yaml).problems.map(formatProblem)).toEqual([
      "version: must be v1",
      "components[0].comand: unknown field (did you mean command?)",
      'components[0].env[0].component-ref: no component named "dbb" in this manifest',
      "components[0].ingresses[0].port: not one of the component's ports (8080)",
      "components[0]: needs command or docker",
      "components[1].name: duplicate component name web (also at components[0].name)",
      "components[1].scheduled: not a cron expression",
    ]);
  });

  it("do not repeat themselves: a bad port is not reported again by the ingress that uses it", () => {
    expect(problemsOf(withWeb({ ports: ["8080"], ingresses: [{ host: "web", port: 8080 }] }))).toEqual([
      "components[0].ports[0]: must be an integer",
    ]);
  });
});

describe("formatting", () => {
  it("writes paths with keys as written and indexes in brackets", () => {
    expect(formatPath(["components", 2, "env", 0, "config-ref"])).toBe("components[2].env[0].config-ref");
    expect(formatPath([])).toBe("");
    expect(formatProblem({ path: "components[2].scheduled", message: "not a cron expression" })).toBe(
      "components[2].scheduled: not a cron expression",
    );
    expect(formatProblem({ path: "", message: "the manifest is empty" })).toBe("the manifest is empty");
  });
});
