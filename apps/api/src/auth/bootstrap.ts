/**
 * The first start: the admin user (`admin@localhost` unless PERGOLA_ADMIN_EMAIL) with a
 * one-time password, and the first admin token. Both are printed once and kept in the data dir
 * (`admin-password`, `admin-token`, mode 0600: the owner only), so `npm start` can show them
 * again; change the password with `updateUser` and the file is only a record of the first one.
 * `PERGOLA_ADMIN_TOKEN` presets the token (CI and scripts use it): a key of the admin user.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "@pergola/db/client";
import { apiTokens, users } from "@pergola/db/schema";
import { and, eq, isNull } from "drizzle-orm";
import { hashPassword } from "../users/password.js";
import { ensureAdminUser } from "../users/user.service.js";
import { createCredential, generateToken, hashToken, ignoreTaken } from "./token.service.js";

export const DEFAULT_ADMIN_EMAIL = "admin@localhost";

export interface AdminTokenResult {
  token?: string;
  /** `created` when made (and shown) now; `preset` from the environment; `existing` when kept from before. */
  source: "created" | "preset" | "existing";
  file: string;
}

export interface AdminBootstrap {
  email: string;
  /** Set when the admin user got its one-time password now. */
  password?: string;
  passwordFile: string;
  token: AdminTokenResult;
}

export async function bootstrapAdmin(
  db: Db,
  dataDir: string,
  options: { email?: string; presetToken?: string } = {},
): Promise<AdminBootstrap> {
  const email = options.email ?? DEFAULT_ADMIN_EMAIL;
  const token = await bootstrapAdminToken(db, dataDir, options.presetToken, email);
  const passwordFile = join(dataDir, "admin-password");
  const password = await bootstrapAdminPassword(db, email, passwordFile);
  return { email: email.toLowerCase(), password, passwordFile, token };
}

/** A password for the admin user when it has none (a fresh install, or one upgraded from before users). */
async function bootstrapAdminPassword(db: Db, email: string, file: string): Promise<string | undefined> {
  const admin = await ensureAdminUser(db, email);
  if (admin.passwordHash || admin.oidcSubject) return undefined;
  const password = randomBytes(15).toString("base64url");
  const [set] = await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(and(eq(users.id, admin.id), isNull(users.passwordHash)))
    .returning({ id: users.id });
  // Another replica starting at the same time set it first.
  if (!set) return undefined;
  await writeSecret(file, password);
  return password;
}

export async function bootstrapAdminToken(
  db: Db,
  dataDir: string,
  preset?: string,
  email = DEFAULT_ADMIN_EMAIL,
): Promise<AdminTokenResult> {
  const file = join(dataDir, "admin-token");
  if (preset) {
    await ensureAdminToken(db, preset, email);
    return { token: preset, source: "preset", file };
  }
  if (await hasAdminToken(db)) {
    const kept = await readFile(file, "utf8").then(
      (t) => t.trim(),
      () => undefined,
    );
    return { token: kept, source: "existing", file };
  }
  const token = generateToken();
  await ensureAdminToken(db, token, email, "admin token");
  await writeSecret(file, token);
  return { token, source: "created", file };
}

/** Makes sure `token` is a key of the admin user (the PERGOLA_ADMIN_TOKEN preset, or the first start's "admin token"). */
export async function ensureAdminToken(db: Db, token: string, email = DEFAULT_ADMIN_EMAIL, name = "PERGOLA_ADMIN_TOKEN"): Promise<void> {
  const [existing] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(eq(apiTokens.hash, hashToken(token)));
  if (existing) return;
  const admin = await ensureAdminUser(db, email);
  await ignoreTaken(createCredential(db, { name, kind: "LEGACY", userId: admin.id, token }));
}

/** Whether any admin user has an enabled key. */
export async function hasAdminToken(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(users.isAdmin, true), isNull(users.disabledAt), isNull(apiTokens.revokedAt), eq(apiTokens.kind, "LEGACY")))
    .limit(1);
  return Boolean(row);
}

async function writeSecret(file: string, secret: string): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
