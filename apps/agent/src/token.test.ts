import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readToken, readTokenFile, TokenError } from "./token.js";

const dir = mkdtempSync(join(tmpdir(), "pergola-agent-token-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function tokenFile(text: string, mode = 0o600): string {
  const file = join(dir, `token-${++files}`);
  writeFileSync(file, text, { mode });
  chmodSync(file, mode); // whatever the umask
  return file;
}

describe("readTokenFile", () => {
  it("reads the token without surrounding whitespace from a file only its owner may read (0600, 0400)", () => {
    expect(readTokenFile(tokenFile("pgl_abc\n"))).toBe("pgl_abc");
    expect(readTokenFile(tokenFile("  pgl_def  \n\n", 0o400))).toBe("pgl_def");
  });

  it.each([0o644, 0o640, 0o604, 0o620, 0o602, 0o660])("refuses a file of mode %o: others may read or write it", (mode) => {
    const file = tokenFile("pgl_abc\n", mode);
    const octal = mode.toString(8).padStart(4, "0");
    expect(() => readTokenFile(file)).toThrow(
      new TokenError(`the token file ${file} is open to other users (mode ${octal}): run "chmod 600 ${file}"`),
    );
  });

  it("refuses an empty file, and one of whitespace only", () => {
    for (const text of ["", " \n\t\n"]) {
      const file = tokenFile(text);
      expect(() => readTokenFile(file)).toThrow(new TokenError(`the token file ${file} is empty`));
    }
  });

  it("refuses what it cannot read, saying why: no such file, a directory", () => {
    const missing = join(dir, "missing");
    expect(() => readTokenFile(missing)).toThrow(new TokenError(`cannot read the token file ${missing}: ENOENT`));
    const directory = join(dir, "a-directory");
    mkdirSync(directory, { mode: 0o700 });
    expect(() => readTokenFile(directory)).toThrow(new TokenError(`cannot read the token file ${directory}: EISDIR`));
  });
});

describe("readToken", () => {
  it("takes --token-file, then --token, then PERGOLA_AGENT_TOKEN_FILE, then PERGOLA_AGENT_TOKEN", () => {
    const flagFile = tokenFile("from-flag-file");
    const envFile = tokenFile("from-env-file");
    const all = { tokenFileFlag: flagFile, tokenFlag: "from-flag", tokenFileEnv: envFile, tokenEnv: "from-env" };
    expect(readToken(all)).toBe("from-flag-file");
    expect(readToken({ ...all, tokenFileFlag: undefined })).toBe("from-flag");
    expect(readToken({ ...all, tokenFileFlag: undefined, tokenFlag: undefined })).toBe("from-env-file");
    expect(readToken({ tokenEnv: "from-env" })).toBe("from-env");
  });

  it("refuses no token at all, and an empty --token", () => {
    expect(() => readToken({})).toThrow(TokenError);
    expect(() => readToken({})).toThrow(/--token-file <path> \(or PERGOLA_AGENT_TOKEN_FILE, or PERGOLA_AGENT_TOKEN\)/);
    expect(() => readToken({ tokenFlag: " " })).toThrow(new TokenError("--token is empty"));
  });

  it("does not fall back to the env when the --token-file is refused", () => {
    const open = tokenFile("pgl_abc", 0o644);
    expect(() => readToken({ tokenFileFlag: open, tokenEnv: "from-env" })).toThrow(/is open to other users/);
  });
});
