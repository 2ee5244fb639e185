/**
 * Keyset pages for the Relay connections (`stagesConnection`, …): one statement per page,
 * `WHERE (sort key…, id) > (the cursor's)` in the plain list's own order, `LIMIT first + 1`, never
 * OFFSET. A page near the end of a long list costs what the first one does, and rows written or
 * deleted meanwhile neither repeat nor skip the rows of the next page.
 *
 * A cursor is opaque to clients: base64url of JSON `[list, scope, ...key]`. `list` names the
 * connection and `scope` what it pages (the Project's or Stage's id, "" for none), so a cursor of
 * another list is BAD_USER_INPUT instead of a silent jump; every key part is checked against its
 * type before it reaches SQL. Timestamps travel as ISO text with microseconds (a JS Date keeps
 * milliseconds, which would repeat or skip rows created within one millisecond).
 */
import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { badInput } from "../errors.js";

/** `first`: left out, 50; more than 500 is BAD_USER_INPUT naming it. The cost limit charges each page by it too. */
export const PAGE_SIZE = { default: 50, max: 500 } as const;

/** What a cursor may be at most, in characters: refused before it is decoded. */
const MAX_CURSOR_LENGTH = 512;

/** How a key part is checked when its cursor comes back, and cast in SQL. */
type KeyPart = "timestamp" | "uuid" | "int" | "slug";

const CAST: Record<KeyPart, SQL> = {
  timestamp: sql.raw("timestamptz"),
  uuid: sql.raw("uuid"),
  int: sql.raw("integer"),
  slug: sql.raw("text"),
};

export interface Keyset {
  /** Names the list in its cursors, e.g. "Stage". */
  list: string;
  /** The sort key, most significant first; together unique (the last part is). */
  columns: readonly { column: AnyColumn; part: KeyPart }[];
  /** One direction for the whole key, so a row comparison expresses "after". */
  direction: "asc" | "desc";
}

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface PageInfoView {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/**
 * A page as the connection types show it. `totalCount` is a getter: its statement runs only when
 * a client selects the field (the field's resolver reads the property, and only then).
 */
export interface Page<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: PageInfoView;
  readonly totalCount: Promise<number>;
}

/** A page's rows as the service read them: each with its key (`keyColumn`). */
export interface KeyedRow<Node> {
  node: Node;
  key: readonly (string | number)[];
}

/** The page size `first` asks for, or BAD_USER_INPUT naming it. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return PAGE_SIZE.default;
  if (!Number.isInteger(first) || first < 1 || first > PAGE_SIZE.max) {
    throw badInput("first", `must be a whole number from 1 to ${PAGE_SIZE.max}`, { max: PAGE_SIZE.max });
  }
  return first;
}

/** The key as one JSON array column, exact (timestamps to the microsecond, in UTC). */
export function keyColumn(keyset: Keyset): SQL<(string | number)[]> {
  const parts = keyset.columns.map(({ column, part }) =>
    part === "timestamp" ? sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : sql`${column}`,
  );
  return sql<(string | number)[]>`json_build_array(${sql.join(parts, sql`, `)})`;
}

/** ORDER BY for the keyset. */
export function keyOrder(keyset: Keyset): SQL[] {
  return keyset.columns.map(({ column }) => (keyset.direction === "asc" ? sql`${column} asc` : sql`${column} desc`));
}

/** The rows after `after` in the keyset's order, or undefined for the first page. Checks the cursor (BAD_USER_INPUT on `after`). */
export function afterCursor(keyset: Keyset, scope: string, after: string | null | undefined): SQL | undefined {
  if (after == null) return undefined;
  const key = parseCursor(keyset, scope, after);
  const columns = sql.join(
    keyset.columns.map(({ column }) => sql`${column}`),
    sql`, `,
  );
  const values = sql.join(
    keyset.columns.map(({ part }, i) => sql`cast(${key[i]} as ${CAST[part]})`),
    sql`, `,
  );
  return keyset.direction === "asc" ? sql`(${columns}) > (${values})` : sql`(${columns}) < (${values})`;
}

/** Checks a cursor without a database: its list, scope and key parts. Refuses with BAD_USER_INPUT on `after`. */
export function parseCursor(keyset: Keyset, scope: string, cursor: string): (string | number)[] {
  const refuse = (why: string) => badInput("after", `is not a cursor of this ${keyset.list} list: ${why}`);
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse("malformed");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refuse("malformed");
  }
  if (!Array.isArray(decoded) || decoded.length !== keyset.columns.length + 2) throw refuse("malformed");
  const [list, cursorScope, ...key] = decoded as unknown[];
  if (list !== keyset.list) throw refuse(`it belongs to another list`);
  if (cursorScope !== scope) throw refuse(`it belongs to the ${keyset.list}s of something else`);
  keyset.columns.forEach(({ part }, i) => {
    if (!isKeyPart(part, key[i])) throw refuse("malformed");
  });
  return key as (string | number)[];
}

export function formatCursor(keyset: Keyset, scope: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([keyset.list, scope, ...key]), "utf8").toString("base64url");
}

/**
 * The page from rows read with `LIMIT size + 1`: the extra row only says there is a next page.
 * `count` runs when `totalCount` is read.
 */
export function toPage<Node>(
  keyset: Keyset,
  scope: string,
  rows: KeyedRow<Node>[],
  size: number,
  count: () => Promise<number>,
): Page<Node> {
  const edges = rows.slice(0, size).map((r) => ({ cursor: formatCursor(keyset, scope, r.key), node: r.node }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      // Forward paging only (`first`/`after`): Relay lets such a page answer false.
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    get totalCount() {
      counted ??= count();
      return counted;
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function isKeyPart(part: KeyPart, value: unknown): boolean {
  switch (part) {
    case "uuid":
      return typeof value === "string" && UUID.test(value);
    case "int":
      return typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
    case "slug":
      return typeof value === "string" && SLUG.test(value);
    case "timestamp": {
      if (typeof value !== "string" || !TIMESTAMP.test(value)) return false;
      // A real instant (no 2026-02-30), years 1 to 9999: PostgreSQL takes every one of them.
      const ms = `${value.slice(0, 23)}Z`;
      const date = new Date(ms);
      return !Number.isNaN(date.getTime()) && date.toISOString() === ms && value.slice(0, 4) !== "0000";
    }
  }
}
