/**
 * deploy/pergola-agent.service and deploy/agent.env.example: the unit has the keys the agent's
 * stop and restart rely on, its ExecStart parses with the agent's own command line
 * (cli-program.ts), and every variable of the env example is one the agent reads and accepts.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createProgram, type Flags } from "../apps/agent/src/cli-program.js";
import { ENV_NAMES, readEnv } from "../apps/agent/src/env.js";
import { ROOT } from "./support/processes.js";

const unitText = readFileSync(join(ROOT, "deploy/pergola-agent.service"), "utf8");
const envText = readFileSync(join(ROOT, "deploy/agent.env.example"), "utf8");

/** The unit's [Service] settings (this unit sets each key once and continues no line). */
function readService(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  let section = "";
  for (const line of text.split("\n")) {
    if (/^\s*(#|;|$)/.test(line)) continue;
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) section = header[1]!;
    else if (section === "Service") {
      const [key, ...value] = line.split("=");
      settings.set(key!.trim(), value.join("=").trim());
    }
  }
  return settings;
}

describe("deploy/pergola-agent.service", () => {
  const service = readService(unitText);

  it("stops the agent alone first, reads its env from /etc/pergola/agent.env, restarts on failure but not on a configuration error", () => {
    expect(Object.fromEntries(service)).toMatchObject({
      KillMode: "mixed",
      EnvironmentFile: "/etc/pergola/agent.env",
      Restart: "on-failure",
      RestartPreventExitStatus: "2",
    });
    expect(unitText).not.toMatch(/--token[ =]/);
  });

  it("has an ExecStart the agent's command line accepts", () => {
    const [binary, ...args] = service.get("ExecStart")!.split(/\s+/);
    expect(binary).toBe("/usr/local/bin/pergola-agent");
    // Plain words only, so that splitting on spaces is what systemd does.
    for (const arg of args) expect(arg).toMatch(/^[\w./:-]+$/);
    const program = createProgram(readEnv({})).exitOverride();
    program.parse(args, { from: "user" });
    expect(program.opts<Flags>()).toMatchObject({ dataDir: "/var/lib/pergola-agent" });
  });

  const systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((path) => existsSync(path));
  // Debian's systemd package has it; where it is missing the check is skipped, saying so — but
  // never in CI, where nothing may be skipped.
  if (!systemdAnalyze && process.env.CI)
    throw new Error("systemd-analyze is missing (apt-get install systemd); CI is set, so this is a failure");
  it.skipIf(!systemdAnalyze)("passes systemd-analyze verify (with this node as its binary)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pergola-agent-unit-"));
    try {
      const unit = join(dir, "pergola-agent.service");
      writeFileSync(unit, unitText.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
      const { stderr } = await promisify(execFile)(systemdAnalyze!, ["verify", unit]);
      expect(stderr).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deploy/agent.env.example", () => {
  // Set and commented-out variables alike.
  const variables = [...envText.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, name, value]) => ({ name: name!, value: value! }));

  it("names only variables the agent reads, and the ones it sets are valid", () => {
    expect(variables.map((v) => v.name)).toEqual(
      expect.arrayContaining(["PERGOLA_SERVER", "PERGOLA_AGENT_TOKEN_FILE", "PERGOLA_AGENT_TOKEN"]),
    );
    for (const { name } of variables) expect(ENV_NAMES).toContain(name);
    const set = Object.fromEntries([...envText.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, name, value]) => [name, value]));
    expect(readEnv(set)).toMatchObject({ PERGOLA_SERVER: "https://pergola.example.com", PERGOLA_AGENT_HEALTH_PORT: 4190 });
  });
});
