/**
 * Lists read through the API's connections (`stagesConnection`, …), a page at a time: every
 * page by default, or the first `--limit` items. Each page is one request that follows the
 * previous page's `endCursor`, so a list longer than a page is printed whole, each item once.
 */
import type { Command } from "commander";
import { badInput } from "./errors.js";

/** Items per request: the API's default page, within its cost limit for every list the CLI prints. */
export const PAGE_SIZE = 50;

export interface ConnectionPage<N> {
  edges: { node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** `--limit <n>`: at most n items; `fallback` when left out (undefined: all of them). */
export function limitOption(cmd: Command, fallback?: number): Command {
  return cmd.option(
    "--limit <n>",
    fallback === undefined ? "at most this many (default: all)" : `at most this many (default: ${fallback})`,
  );
}

/** The `--limit` given, checked; `fallback` when left out. */
export function parseLimit(value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw badInput(`--limit ${value}: a whole number from 1`);
  return Number(value);
}

/** Every item the pages hold, in order, or the first `limit`: `read(first, after)` asks for one page. */
export async function readPages<N>(
  read: (first: number, after: string | null) => Promise<ConnectionPage<N>>,
  limit?: number,
): Promise<N[]> {
  const items: N[] = [];
  let after: string | null = null;
  for (;;) {
    const wanted = limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, limit - items.length);
    const page: ConnectionPage<N> = await read(wanted, after);
    items.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return items;
    if (limit !== undefined && items.length >= limit) return items;
    after = page.pageInfo.endCursor;
  }
}

/** Histories (Releases, Builds) print their newest 20 unless told: `--limit <n>` or `--all` (`--first` is `--limit`'s former name). */
export const HISTORY_LIMIT = 20;

export function historyOptions(cmd: Command): Command {
  return limitOption(cmd, HISTORY_LIMIT).option("--all", "every one, page after page").option("--first <n>", "former name of --limit");
}

/** The history's limit from `--limit`, `--first` or `--all`; undefined: all. */
export function historyLimit(opts: { limit?: string; first?: string; all?: boolean }): number | undefined {
  if (opts.all && (opts.limit ?? opts.first) !== undefined) throw badInput("--all or --limit, not both");
  if (opts.all) return undefined;
  if (opts.limit !== undefined && opts.first !== undefined) throw badInput("--limit or --first (its former name), not both");
  return parseLimit(opts.limit ?? opts.first, HISTORY_LIMIT);
}
