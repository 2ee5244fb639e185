"use client";
/**
 * A list read through one of the API's connections (`stagesConnection`, …) a page at a time: the
 * first page whenever the variables change, the next one (`after` the last page's endCursor) on
 * `loadMore` — the lists' "LOAD MORE" buttons. Each page is kept with the whole answer it came
 * in (a Stage page's `eventCursor`), so a live update can tell whether it is newer than the page
 * its item was read in. Answers to variables that are no longer current are dropped.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { type AnyVariables, type CombinedError, type DocumentInput, useClient } from "urql";

export interface ConnectionPage<N> {
  edges: { node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface Page<Q, N> {
  data: Q;
  nodes: N[];
}

export interface Pages<Q, N> {
  pages: Page<Q, N>[];
  /** Every item of the pages read so far, in the list's order. */
  nodes: N[];
  hasNextPage: boolean;
  fetching: boolean;
  error?: CombinedError;
  loadMore(): void;
  /** From the first page again (after a change the list cannot follow live). */
  reload(): void;
}

interface State<Q, N> {
  key: string;
  pages: Page<Q, N>[];
  fetching: boolean;
  error?: CombinedError;
}

export function usePages<Q, V extends AnyVariables, N>(
  query: DocumentInput<Q, V>,
  variables: Omit<V, "after">,
  connectionOf: (data: Q) => ConnectionPage<N>,
): Pages<Q, N> {
  const client = useClient();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<State<Q, N>>({ key, pages: [], fetching: true });
  const current = useRef({ key, connectionOf, variables });
  current.current = { key, connectionOf, variables };
  const [reloads, setReloads] = useState(0);

  const fetchPage = useCallback(
    async (after: string | null) => {
      const { key: asked, variables: vars, connectionOf: of } = current.current;
      setState((s) => ({ ...s, fetching: true }));
      const result = await client.query(query, { ...vars, after } as unknown as V, { requestPolicy: "network-only" }).toPromise();
      if (current.current.key !== asked) return;
      setState((s) => {
        if (s.key !== asked) return s;
        if (!result.data) return { ...s, fetching: false, error: result.error };
        const page = { data: result.data, nodes: of(result.data).edges.map((e) => e.node) };
        return { key: asked, pages: after === null ? [page] : [...s.pages, page], fetching: false, error: result.error };
      });
    },
    [client, query],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the variables, `reloads` for reload().
  useEffect(() => {
    setState({ key, pages: [], fetching: true });
    void fetchPage(null);
  }, [key, reloads, fetchPage]);

  const last = state.key === key ? state.pages.at(-1) : undefined;
  const pageInfo = last ? connectionOf(last.data).pageInfo : undefined;
  const hasNextPage = Boolean(pageInfo?.hasNextPage && pageInfo.endCursor);
  const loadMore = useCallback(() => {
    if (!state.fetching && pageInfo?.hasNextPage && pageInfo.endCursor) void fetchPage(pageInfo.endCursor);
  }, [state.fetching, pageInfo, fetchPage]);
  const pages = state.key === key ? state.pages : [];
  return {
    pages,
    nodes: pages.flatMap((p) => p.nodes),
    hasNextPage,
    fetching: state.fetching,
    error: state.error,
    loadMore,
    reload: () => setReloads((n) => n + 1),
  };
}

/**
 * The pages that follow one read elsewhere (`start`, its pageInfo: the Stage page reads the
 * newest Releases with everything else), read on `loadMore`. A new `start` starts over.
 */
export function usePagesAfter<Q, V extends AnyVariables, N>(
  query: DocumentInput<Q, V>,
  variables: Omit<V, "after">,
  start: ConnectionPage<N>["pageInfo"] | undefined,
  connectionOf: (data: Q) => ConnectionPage<N>,
): Pick<Pages<Q, N>, "nodes" | "hasNextPage" | "fetching" | "loadMore"> {
  const client = useClient();
  const key = JSON.stringify([variables, start?.endCursor ?? null]);
  const [state, setState] = useState<{ key: string; nodes: N[]; pageInfo?: ConnectionPage<N>["pageInfo"]; fetching: boolean }>({
    key,
    nodes: [],
    fetching: false,
  });
  const current = state.key === key ? state : { key, nodes: [], fetching: false };
  const pageInfo = current.pageInfo ?? start;
  const hasNextPage = Boolean(pageInfo?.hasNextPage && pageInfo.endCursor);
  const loadMore = () => {
    if (current.fetching || !hasNextPage) return;
    setState({ ...current, fetching: true });
    void client
      .query(query, { ...variables, after: pageInfo!.endCursor } as unknown as V, { requestPolicy: "network-only" })
      .toPromise()
      .then(({ data }) =>
        setState((s) => {
          if (s.key !== key) return s;
          if (!data) return { ...s, fetching: false };
          const page = connectionOf(data);
          return { key, nodes: [...s.nodes, ...page.edges.map((e) => e.node)], pageInfo: page.pageInfo, fetching: false };
        }),
      );
  };
  return { nodes: current.nodes, hasNextPage, fetching: current.fetching, loadMore };
}
