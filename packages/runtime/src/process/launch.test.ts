import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSandbox, createSpec, inState, NODE, waitForStatus, type Sandbox } from "./process.test-utils.js";

let sandbox: Sandbox;
afterEach(async () => sandbox.dispose());

/** A job that prints its env and the files it was given as one JSON line. */
const DUMP_JS = `
const fs = require("fs"), path = require("path");
const files = process.env.PERGOLA_FILES_DIR;
console.log(JSON.stringify({
  env: process.env,
  cwd: process.cwd(),
  motd: fs.readFileSync(path.join(files, "etc/hello/motd.txt"), "utf8"),
  secret: fs.readFileSync(path.join(files, "etc/hello/secret.json"), "utf8"),
}));
`;

function dump(lines: string[]): { env: Record<string, string>; cwd: string; motd: string; secret: string } {
  const line = lines.find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no output: ${lines.join("\n")}`);
  return JSON.parse(line);
}

describe("a Component's env, files and storage", () => {
  it("resolves env (value, config-ref with default, component-ref), HOST, PORT, files and storage dirs", async () => {
    sandbox = createSandbox();
    sandbox.writeApp({ "dump.js": DUMP_JS });
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        {
          name: "dump",
          command: [NODE, "dump.js"],
          scheduled: "@release",
          env: [
            { name: "PLAIN", value: "plain" },
            { name: "GREETING", "config-ref": "greeting", value: "Hello" },
            { name: "LEVEL", "config-ref": "level", value: "info" },
            { name: "WEB_HOST", "component-ref": "web" },
          ],
          files: [
            { path: "/etc/hello/motd.txt", content: "Welcome\n" },
            { path: "/etc/hello/secret.json", "config-ref": "secret.json" },
          ],
          ports: [9000, 9001],
          storage: [
            { name: "data", path: "/var/lib/data", size: "1Gi" },
            { name: "scratch-space", path: "/tmp/scratch", size: "1Gi", type: "temporary" },
          ],
        },
        { name: "web", command: "exit 0", scheduled: "@release" },
      ],
    });
    spec.config = { env: { greeting: "Hi" }, files: { "secret.json": '{"key":1}' } };
    await sandbox.runtime.apply(spec);
    const done = await waitForStatus(sandbox.runtime, spec.stageKey, "dump", inState("COMPLETED", "FAILED"));
    expect(done.state).toBe("COMPLETED");
    const web = sandbox.runtime.status(spec.stageKey).find((s) => s.name === "web");
    const out = dump(sandbox.runtime.logs(spec.stageKey, "dump", 200));

    expect(out.env.PLAIN).toBe("plain");
    expect(out.env.GREETING).toBe("Hi");
    expect(out.env.LEVEL).toBe("info");
    expect(out.env.WEB_HOST).toBe(web?.host);
    expect(out.env.HOST).toBe(done.host);
    expect(out.env.HOST).toMatch(/^127\.77\.\d+\.\d+$/);
    expect(out.env.HOST).not.toBe(web?.host);
    expect(out.env.PORT).toBe("9000");
    expect(out.cwd).toBe(join(sandbox.dataDir, "run", "shop", "test", "dump", "app"));
    expect(out.motd).toBe("Welcome\n");
    expect(out.secret).toBe('{"key":1}');
    expect(out.env.PERGOLA_STORAGE_DATA).toBe(join(sandbox.dataDir, "storage", "shop", "test", "dump", "data"));
    expect(existsSync(out.env.PERGOLA_STORAGE_DATA ?? "")).toBe(true);
    // The run dir (files, TMPDIR, temporary volumes) goes with the process.
    for (const dir of [out.cwd, out.env.TMPDIR, out.env.PERGOLA_STORAGE_SCRATCH_SPACE, out.env.PERGOLA_FILES_DIR]) {
      expect(dir?.startsWith(join(sandbox.dataDir, "run"))).toBe(true);
      expect(existsSync(dir ?? "")).toBe(false);
    }
    // Only PATH of the runtime's env is passed on, with LANG and a HOME of its own.
    expect(
      Object.keys(out.env)
        .filter((k) => !/^(PLAIN|GREETING|LEVEL|WEB_HOST|HOST|PORT|TMPDIR|PERGOLA_.*)$/.test(k))
        .sort(),
    ).toEqual(["HOME", "LANG", "PATH"]);
    expect(out.env.HOME?.startsWith(join(sandbox.dataDir, "run", "shop", "test", "dump"))).toBe(true);
  });

  it("fails a Component whose config-ref is missing and has no default, and one that only has docker", async () => {
    sandbox = createSandbox();
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        { name: "web", command: "sleep 30", env: [{ name: "DB_URL", "config-ref": "db-url" }] },
        { name: "db", docker: { image: "postgres:16" }, ports: [5432] },
      ],
    });
    await sandbox.runtime.apply(spec);
    const web = await waitForStatus(sandbox.runtime, spec.stageKey, "web", inState("FAILED"));
    expect(web.message).toBe("env DB_URL: config-ref db-url is not in the Configuration and has no default value");
    expect(web.pid).toBeNull();
    const db = await waitForStatus(sandbox.runtime, spec.stageKey, "db", inState("FAILED"));
    expect(db.message).toBe("needs a container runtime (docker image postgres:16); the process runtime runs commands");
  });

  it("keeps the last 200 lines of stdout and stderr, and runs a shell command with its args", async () => {
    sandbox = createSandbox();
    const spec = createSpec(sandbox, {
      version: "v1",
      components: [
        {
          name: "chatty",
          // The args are appended to the line, unsplit and unexpanded.
          command: "for i in $(seq 1 250); do echo \"line $i\"; done; printf 'to stderr %s|%s\\n' >&2",
          args: ["a b", "$HOME"],
          scheduled: "@release",
        },
      ],
    });
    await sandbox.runtime.apply(spec);
    await waitForStatus(sandbox.runtime, spec.stageKey, "chatty", inState("COMPLETED"));
    const lines = sandbox.runtime.logs(spec.stageKey, "chatty", 1000);
    expect(lines).toHaveLength(200);
    expect(lines[0]).toBe("line 52");
    expect(lines.at(-1)).toBe("to stderr a b|$HOME");
    expect(sandbox.runtime.logs(spec.stageKey, "chatty", 2)).toEqual(["line 250", "to stderr a b|$HOME"]);
  });
});
