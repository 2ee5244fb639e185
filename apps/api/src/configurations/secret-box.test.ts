/** Secret values at rest: round trip, tampering detected, bound to their entry, legacy plaintext read, the key file. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ConfigEntry } from "./configuration.rules.js";

// The enum's values, without importing its type-graphql module (it needs reflect-metadata).
const ConfigDataKind = { ENV: "ENV", FILE: "FILE" } as unknown as Record<"ENV" | "FILE", ConfigEntry["kind"]>;
import { loadSecretBox, SecretBox, SecretDecryptError } from "./secret-box.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "pergola-secret-"));
  dirs.push(dir);
  return dir;
};

const entry = (name: string, value: string, secret: boolean, kind = ConfigDataKind.ENV): ConfigEntry => ({ kind, name, value, secret });

describe("SecretBox", () => {
  it("seals and opens a value; the same value seals differently each time (a random IV)", () => {
    const box = SecretBox.generate();
    const text = "p@ss wörd ✓ \n with lines";
    const a = box.seal(text, "ctx");
    const b = box.seal(text, "ctx");
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("p@ss");
    expect(box.open(a, "ctx")).toBe(text);
    expect(box.open(b, "ctx")).toBe(text);
    expect(box.open(box.seal("", "ctx"), "ctx")).toBe("");
  });

  it("detects a changed byte, another context and another key", () => {
    const box = SecretBox.generate();
    const sealed = box.seal("the secret", "ctx");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    for (const at of [0, 12, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at]! ^= 1;
      expect(() => box.open(`v1:${changed.toString("base64")}`, "ctx")).toThrow(SecretDecryptError);
    }
    expect(() => box.open(sealed, "other ctx")).toThrow(SecretDecryptError);
    expect(() => SecretBox.generate().open(sealed, "ctx")).toThrow(/another secret key, or changed bytes/);
    expect(() => box.open("v1:AAAA", "ctx")).toThrow(SecretDecryptError);
    expect(() => box.open("plain", "ctx")).toThrow(SecretDecryptError);
  });

  it("seals only secret entries, binds each to its Configuration and entry, and reads legacy plaintext as it is", () => {
    const box = SecretBox.generate();
    const entries = [
      entry("TOKEN", "s3cr3t", true),
      entry("GREETING", "hi", false),
      entry("key.pem", "-----BEGIN", true, ConfigDataKind.FILE),
    ];
    const sealed = box.sealEntries(entries, "config-1");
    expect(sealed[0]).toMatchObject({ name: "TOKEN", secret: true, encrypted: true });
    expect(sealed[0]!.value).not.toContain("s3cr3t");
    expect(sealed[1]).toEqual(entries[1]);
    expect(sealed.map((e) => box.openEntry(e, "config-1"))).toEqual(["s3cr3t", "hi", "-----BEGIN"]);
    // Already sealed ones stay as they are (no double encryption).
    expect(box.sealEntries(sealed, "config-1")).toEqual(sealed);
    // Copied into another Configuration, or under another name, it does not open.
    expect(() => box.openEntry(sealed[0]!, "config-2")).toThrow(SecretDecryptError);
    expect(() => box.openEntry({ ...sealed[0]!, name: "OTHER" }, "config-1")).toThrow(SecretDecryptError);
    // A secret stored before encryption (no marker) is read as plaintext.
    expect(box.openEntry(entry("OLD", "v1:looks-sealed-but-is-not", true), "config-1")).toBe("v1:looks-sealed-but-is-not");
  });

  it("takes a preset base64 key of 32 bytes and refuses others", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    const a = SecretBox.fromBase64(key);
    expect(SecretBox.fromBase64(key).open(a.seal("x", "c"), "c")).toBe("x");
    expect(() => SecretBox.fromBase64(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
    expect(() => SecretBox.fromBase64("not base64!")).toThrow(/32 bytes/);
  });
});

describe("loadSecretBox", () => {
  it("makes <dataDir>/secret-key once (0600) and reads it on later starts", () => {
    const dir = join(tempDir(), "data");
    const first = loadSecretBox(dir);
    const file = join(dir, "secret-key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
    const sealed = first.seal("kept", "c");
    expect(loadSecretBox(dir).open(sealed, "c")).toBe("kept");
  });

  it("prefers the preset key (PERGOLA_SECRET_KEY) and writes no file then; refuses a damaged key file", () => {
    const dir = tempDir();
    const preset = Buffer.alloc(32, 1).toString("base64");
    const sealed = loadSecretBox(dir, preset).seal("v", "c");
    expect(SecretBox.fromBase64(preset).open(sealed, "c")).toBe("v");
    expect(() => statSync(join(dir, "secret-key"))).toThrow();
    writeFileSync(join(dir, "secret-key"), "short\n");
    expect(() => loadSecretBox(dir)).toThrow(/does not hold a 32-byte base64 key/);
  });
});
