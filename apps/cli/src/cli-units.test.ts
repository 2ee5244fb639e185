/** The CLI's pure parts: parsing flags, formatting, packing, error mapping. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorCodes } from "@pergola/schema";
import { afterEach, describe, expect, it } from "vitest";
import { parseAssignment, parseFileFlag } from "./commands/configs.js";
import { parseRole } from "./commands/members.js";
import { describeEvent } from "./commands/watching.js";
import { normalizeEndpoint } from "./config.js";
import { CliError, fromApiError } from "./errors.js";
import { ExitCode, exitCodeOf } from "./exit-codes.js";
import { ago, parseDuration, renderTable } from "./output.js";
import { listFiles } from "./pack.js";
import { MAX_MANIFEST_BYTES, readManifest } from "./manifest.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("flags", () => {
  it("parses durations", () => {
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(() => parseDuration("soon")).toThrow(CliError);
    expect(() => parseDuration("5m later")).toThrow(/not a duration/);
  });

  it("parses NAME=VALUE (the value may hold =) and --file [NAME=]PATH", () => {
    expect(parseAssignment("--env", "A=b=c")).toEqual(["A", "b=c"]);
    expect(() => parseAssignment("--env", "=x")).toThrow(/NAME=VALUE/);
    expect(parseFileFlag("/home/silas/config.json")).toEqual({ name: "config.json", path: "/home/silas/config.json" });
    expect(parseFileFlag("config/app.json=./app.json")).toEqual({ name: "config/app.json", path: "./app.json" });
  });

  it("normalizes endpoints and refuses what is not http(s)", () => {
    expect(normalizeEndpoint("http://127.0.0.1:4000/graphql/")).toBe("http://127.0.0.1:4000");
    expect(normalizeEndpoint("https://pergola.example.com")).toBe("https://pergola.example.com");
    expect(() => normalizeEndpoint("ftp://x")).toThrow(CliError);
    expect(() => normalizeEndpoint("localhost")).toThrow(/not a URL|http/);
  });
});

describe("output", () => {
  it("says how long ago", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(ago("2026-01-01T11:59:31Z", now)).toBe("29 seconds ago");
    expect(ago("2026-01-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(ago("2025-12-30T12:00:00Z", now)).toBe("2 days ago");
    expect(ago(null, now)).toBe("-");
  });

  it("draws a table with a title and dashes for empty cells", () => {
    const text = renderTable(["stage", "type", "state"], [["my-new-stage", "dev", null]], "stages (my-new-project)");
    expect(text.split("\n")[0]).toBe("stages (my-new-project)");
    expect(text).toMatch(/│ stage\s+│ type │ state │/);
    expect(text).toMatch(/│ my-new-stage │ dev\s+│ -\s+│/);
  });

  it("describes an event by its typed subject, naming the Stage also once it is deleted", () => {
    const at = "2026-01-01T12:00:00.000Z";
    const release = {
      __typename: "ReleaseSnapshot",
      number: 3,
      releaseState: "FAILED",
      message: "web crashed",
      stage: { slug: "dev" },
    } as const;
    expect(describeEvent({ cursor: "12", at, kind: "RELEASE_STATE_CHANGED", subject: release, stage: null })).toBe(
      `#12  ${at}  release_state_changed  stage dev  release #3 failed (web crashed)`,
    );
    const component = {
      __typename: "ComponentSnapshot",
      name: "web",
      componentState: "RUNNING",
      health: "HEALTHY",
      stage: { slug: "dev" },
    } as const;
    expect(describeEvent({ cursor: "13", at, kind: "COMPONENT_CHANGED", subject: component, stage: null })).toBe(
      `#13  ${at}  component_changed  stage dev  component web running/healthy`,
    );
    const stage = { __typename: "StageSnapshot", slug: "qa", state: "RUNNING" } as const;
    expect(describeEvent({ cursor: "14", at, kind: "STAGE_DELETED", subject: stage, stage: null })).toBe(
      `#14  ${at}  stage_deleted  stage qa`,
    );
    expect(describeEvent({ cursor: "15", at, kind: "PROJECT_CREATED", subject: null, stage: null })).toBe(`#15  ${at}  project_created`);
    const backup = {
      __typename: "BackupSnapshot",
      backupId: "0b6f2c1e-0000-4000-8000-000000000000",
      displayName: "nightly",
      backupState: "READY",
      message: null,
      size: "2202009",
      restoreState: null,
      restoreMessage: null,
      stage: { slug: "dev" },
    } as const;
    expect(describeEvent({ cursor: "16", at, kind: "BACKUP_READY", subject: backup, stage: null })).toBe(
      `#16  ${at}  backup_ready  stage dev  backup "nightly" ready (2.1 MiB)`,
    );
    const failedRestore = { ...backup, restoreState: "FAILED", restoreMessage: "no space left" } as const;
    expect(describeEvent({ cursor: "17", at, kind: "BACKUP_RESTORE_FAILED", subject: failedRestore, stage: null })).toBe(
      `#17  ${at}  backup_restore_failed  stage dev  backup "nightly" ready (2.1 MiB), restore failed: no space left`,
    );
    const failed = { ...backup, backupState: "FAILED", message: "disk full", size: "0" } as const;
    expect(describeEvent({ cursor: "18", at, kind: "BACKUP_FAILED", subject: failed, stage: null })).toBe(
      `#18  ${at}  backup_failed  stage dev  backup "nightly" failed: disk full`,
    );
  });
});

describe("errors", () => {
  it("gives every API error code an exit code of its own (INTERNAL_SERVER_ERROR: 1), but too many sign-ins ends like a refused one (4)", () => {
    const codes = errorCodes.filter((c) => c !== "TOO_MANY_REQUESTS").map((c) => exitCodeOf[c]);
    expect(codes.every((c) => typeof c === "number")).toBe(true);
    expect(new Set(codes).size).toBe(errorCodes.length - 1);
    expect(exitCodeOf.INTERNAL_SERVER_ERROR).toBe(ExitCode.ERROR);
    expect(exitCodeOf.TOO_MANY_REQUESTS).toBe(ExitCode.UNAUTHENTICATED);
  });

  it("makes one line of an API error, with a manifest's problems after it", () => {
    const e = fromApiError({
      message: "invalid manifest",
      extensions: { code: "BAD_USER_INPUT", problems: [{ path: "components[0].name", message: "required" }] },
    });
    expect(e.exitCode).toBe(ExitCode.BAD_INPUT);
    expect(e.message).toBe("invalid input: invalid manifest");
    expect(e.details).toEqual(["  components[0].name: required"]);
    expect(fromApiError({ message: 'Project "x" not found', extensions: { code: "NOT_FOUND" } }).message).toBe('Project "x" not found');
    expect(fromApiError({ message: "boom" }).exitCode).toBe(ExitCode.ERROR);
    const tooMany = fromApiError({
      message: "Too many failed sign-ins; try again in 42 s",
      extensions: { code: "TOO_MANY_REQUESTS", retryAfterSeconds: 42 },
    });
    expect({ exitCode: tooMany.exitCode, code: tooMany.code, message: tooMany.message }).toEqual({
      exitCode: ExitCode.UNAUTHENTICATED,
      code: "TOO_MANY_REQUESTS",
      message: "too many attempts: Too many failed sign-ins; try again in 42 s",
    });
  });

  it("parses --role owner|member in any case", () => {
    expect(parseRole("owner")).toBe("OWNER");
    expect(parseRole("Member")).toBe("MEMBER");
    expect(() => parseRole("admin")).toThrow(/--role admin: choose owner or member/);
  });
});

describe("packing", () => {
  it("honours .gitignore files (nested ones for their own directory) and leaves out .git", () => {
    const root = mkdtempSync(join(tmpdir(), "pergola-pack-"));
    dirs.push(root);
    const put = (path: string, content = "x") => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    };
    put(".gitignore", "node_modules/\n*.log\n/build\n");
    put("pergola.yaml");
    put("server.js");
    put("debug.log");
    put("node_modules/x/index.js");
    put("build/out.js");
    put("src/build/keep.js");
    put("src/.gitignore", "secret.txt\n");
    put("src/secret.txt");
    put("src/app.js");
    put("secret.txt");
    put(".git/HEAD");
    expect(listFiles(root)).toEqual([
      ".gitignore",
      "pergola.yaml",
      "secret.txt",
      "server.js",
      "src/.gitignore",
      "src/app.js",
      "src/build/keep.js",
    ]);
  });
});

describe("reading a manifest", () => {
  const write = (name: string, content: string | Buffer) => {
    const dir = mkdtempSync(join(tmpdir(), "pergola-manifest-"));
    dirs.push(dir);
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const refusal = (file: string) => {
    try {
      readManifest(file);
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(ExitCode.BAD_INPUT);
      return (error as Error).message;
    }
    throw new Error("not refused");
  };

  it("reads YAML and JSON mappings", () => {
    expect(readManifest(write("pergola.yaml", "version: v1\ncomponents: []\n"))).toEqual({ version: "v1", components: [] });
    expect(readManifest(write("pergola.json", '{"version":"v1"}'))).toEqual({ version: "v1" });
  });

  it("says what is wrong with a hostile or broken file, never with a stack", () => {
    expect(refusal(write("pergola.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3])))).toMatch(/is a binary file, not a manifest$/);
    expect(refusal(write("pergola.yaml", Buffer.from([0x76, 0x3a, 0x20, 0xff, 0xfe])))).toMatch(/is not UTF-8 text$/);
    expect(refusal(write("pergola.yaml", "version: v1\n  components: [\n"))).toMatch(/is not valid YAML: /);
    expect(refusal(write("pergola.json", "{ version: v1 }"))).toMatch(/is not valid JSON: /);
    expect(refusal(write("pergola.yaml", ""))).toMatch(/a manifest is a mapping \(version, components\), not empty$/);
    expect(refusal(write("pergola.yaml", "- a\n- b\n"))).toMatch(/not a list$/);
    expect(refusal(write("pergola.yaml", "just words"))).toMatch(/not a string$/);
    expect(refusal(write("pergola.yaml", `x: "${"a".repeat(MAX_MANIFEST_BYTES)}"`))).toMatch(/a manifest is at most 1048576 \(1 MiB\)$/);
    // YAML's billion laughs: aliases are counted, not expanded without end.
    const laughs = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from({ length: 9 }, (_, i) => `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(10).fill(`*${"abcdefghi"[i]}`).join(", ")}]`),
    ];
    expect(refusal(write("pergola.yaml", laughs.join("\n")))).toMatch(/is not valid YAML: /);
  });
});
