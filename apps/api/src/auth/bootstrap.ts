/**
 * The first admin token. `PERGOLA_ADMIN_TOKEN` presets it; otherwise the first start creates
 * one, prints it once and keeps it in `<dataDir>/admin-token` (mode 0600, owner only).
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "@pergola/db/client";
import { ensureAdminToken, generateToken, hasAdminToken } from "./token.service.js";

export interface AdminTokenResult {
  token?: string;
  /** `created` when made (and shown) now; `preset` from the environment; `existing` when kept from before. */
  source: "created" | "preset" | "existing";
  file: string;
}

export async function bootstrapAdminToken(db: Db, dataDir: string, preset?: string): Promise<AdminTokenResult> {
  const file = join(dataDir, "admin-token");
  if (preset) {
    await ensureAdminToken(db, preset);
    return { token: preset, source: "preset", file };
  }
  if (await hasAdminToken(db)) {
    const kept = await readFile(file, "utf8").then((t) => t.trim(), () => undefined);
    return { token: kept, source: "existing", file };
  }
  const token = generateToken();
  await ensureAdminToken(db, token);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, source: "created", file };
}
