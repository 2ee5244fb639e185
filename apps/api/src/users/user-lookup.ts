/** Finding users as clients name them: by id or by email. No other dependency, so any module may use it. */
import type { Db, Tx } from "@pergola/db/client";
import { users } from "@pergola/db/schema";
import { eq } from "drizzle-orm";

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** The id of the user named by `user`, an id or an email; null when none. */
export async function findUserId(db: Db | Tx, user: string): Promise<string | null> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(isUuid(user) ? eq(users.id, user) : eq(users.email, user.trim().toLowerCase()));
  return row?.id ?? null;
}
