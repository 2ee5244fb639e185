/**
 * An install is one runtime data dir. Its id, random and kept in `<dataDir>/install-id`, tells
 * two installs on one host apart where everything else (Project, Stage and Component names) may
 * be the same: it salts their loopback addresses.
 */
import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ID_PATTERN = /^[0-9a-f-]{36}$/;

/** The data dir's install id, made on first use. */
export function getInstallId(dataDir: string): string {
  const path = join(dataDir, "install-id");
  const existing = readId(path);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Written aside and linked into place: a second runtime starting at the same moment, or a
  // crash mid-write, never leaves a half-written id; whichever link lands first is the id.
  const id = randomUUID();
  const temp = `${path}.${process.pid}-${id}`;
  writeFileSync(temp, `${id}\n`, { mode: 0o600 });
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temp);
  }
  const id2 = readId(path);
  if (!id2) throw new Error(`${path} does not hold an install id; delete it to make a new one`);
  return id2;
}

function readId(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return ID_PATTERN.test(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
