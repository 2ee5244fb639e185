/**
 * Secret Configuration values at rest: AES-256-GCM, a random 96-bit IV per value, the 128-bit
 * tag appended. The additional data binds each value to its Configuration and entry, so a value
 * copied into another Configuration's row (or another entry) does not decrypt.
 *
 * The key is `PERGOLA_SECRET_KEY` (base64 of 32 bytes), or else `<dataDir>/secret-key`, made
 * once (mode 0600). Several replicas on one PostgreSQL must share the key: set the variable.
 * A database dump alone then reveals no secret value; the key and the database together do.
 *
 * Stored form: the entry keeps `value` as `v1:<base64 of iv ‖ ciphertext ‖ tag>` and gets
 * `encrypted: true`. Entries written before this existed have no marker and are read as they
 * are (plaintext); the next change of their Configuration encrypts them.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConfigEntry } from "./configuration.rules.js";

const VERSION = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

/** A value that does not decrypt: another key, or changed bytes. Its message quotes nothing of the value. */
export class SecretDecryptError extends Error {}

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** `base64` must decode to exactly 32 bytes. */
  static fromBase64(base64: string): SecretBox {
    const key = decodeKey(base64);
    if (!key) throw new Error(`a secret key must be ${SECRET_KEY_BYTES} bytes, base64-encoded (openssl rand -base64 32)`);
    return new SecretBox(key);
  }

  /** A new random key (tests). */
  static generate(): SecretBox {
    return new SecretBox(randomBytes(SECRET_KEY_BYTES));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith(VERSION)) throw new SecretDecryptError("not a sealed value");
    const bytes = Buffer.from(sealed.slice(VERSION.length), "base64");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError("a sealed value too short to hold one");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretDecryptError("it does not decrypt: another secret key, or changed bytes");
    }
  }

  /** Encrypts every secret entry that is not encrypted yet (new values, and plaintext ones from before). */
  sealEntries(entries: readonly ConfigEntry[], configurationId: string): ConfigEntry[] {
    return entries.map((entry) =>
      entry.secret && !entry.encrypted
        ? { ...entry, value: this.seal(entry.value, entryContext(configurationId, entry)), encrypted: true }
        : entry,
    );
  }

  /** An entry's value as the Component gets it: decrypted when marked encrypted, as stored otherwise. */
  openEntry(entry: ConfigEntry, configurationId: string): string {
    return entry.encrypted ? this.open(entry.value, entryContext(configurationId, entry)) : entry.value;
  }
}

/** What a sealed value is bound to: its Configuration, and its entry's kind and name. */
function entryContext(configurationId: string, entry: Pick<ConfigEntry, "kind" | "name">): string {
  return `pergola/configuration/v1\0${configurationId}\0${entry.kind}\0${entry.name}`;
}

function decodeKey(base64: string): Buffer | undefined {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, "base64");
  return key.length === SECRET_KEY_BYTES ? key : undefined;
}

/**
 * The key: `preset` (PERGOLA_SECRET_KEY) when given; else `<dataDir>/secret-key`, created with a
 * random key (mode 0600) on the first start and read on every later one.
 */
export function loadSecretBox(dataDir: string, preset?: string): SecretBox {
  if (preset) return SecretBox.fromBase64(preset);
  const file = join(dataDir, "secret-key");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Written whole, then linked into place (atomic, fails if it exists): of two processes
    // starting at once, one places its key and the other reads it, never a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${randomBytes(SECRET_KEY_BYTES).toString("base64")}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== "EEXIST") throw raced;
    } finally {
      unlinkSync(tmp);
    }
    text = readFileSync(file, "utf8");
  }
  chmodSync(file, 0o600);
  if (!decodeKey(text)) throw new Error(`${file} does not hold a ${SECRET_KEY_BYTES}-byte base64 key`);
  return SecretBox.fromBase64(text);
}
