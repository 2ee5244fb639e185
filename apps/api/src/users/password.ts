/** Passwords: argon2id (OWASP's parameters: 19 MiB, 2 passes), never logged, never returned. */
import { badInput } from "../errors.js";

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;
/** `algorithm: 2` is Argon2id (the package's const enum, which isolated modules cannot import). */
const OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** The native argon2 binding, loaded by the first hash or check: most starts need neither. */
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;
function loadArgon2() {
  argon2 ??= import("@node-rs/argon2");
  return argon2;
}

/** A hash verified when the email is unknown, so that both answers take as long. */
let decoy: Promise<string> | undefined;

export function checkPassword(field: string, password: string): string {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw badInput(field, `must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  if (password.length > MAX_PASSWORD_LENGTH) throw badInput(field, `must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  return password;
}

export async function hashPassword(password: string): Promise<string> {
  return (await loadArgon2()).hash(password, OPTIONS);
}

/** Whether `password` matches `stored`; with no stored hash, still spends the time of a check. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const { verify } = await loadArgon2();
  if (!stored) {
    decoy ??= hashPassword("decoy password for unknown emails");
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
