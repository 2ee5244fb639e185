"use client";
import type { Pages } from "@/lib/pages";

/** Under a paged list while the API has more: reads the next page and adds it below. */
export function LoadMore({
  list,
  noun,
}: {
  list: Pick<Pages<unknown, unknown>, "hasNextPage" | "fetching" | "loadMore" | "nodes">;
  noun: string;
}) {
  if (!list.hasNextPage) return null;
  return (
    <div className="load-more">
      <span className="muted small">
        {list.nodes.length} {noun} shown; more follow.
      </span>{" "}
      <button type="button" className="btn" onClick={list.loadMore} disabled={list.fetching} aria-label={`Load more ${noun}`}>
        {list.fetching ? "LOADING…" : "LOAD MORE"}
      </button>
    </div>
  );
}
