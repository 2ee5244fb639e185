import { readdirSync, readFileSync } from "node:fs";
import { type DocumentNode, Kind, parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../common/keyset.js";
import { createSchema } from "./schema.js";
import { checkCost, MAX_COST, operationCost } from "./query-cost.js";

let schema: Awaited<ReturnType<typeof createSchema>>;
beforeAll(async () => {
  schema = await createSchema();
});

const cost = (query: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(query), undefined, variables);

describe("operationCost", () => {
  it("charges a connection's edges once per item of its page, and its pageInfo once", () => {
    const page = (first: number) =>
      cost(`{ stagesConnection(project: "p", first: ${first}) { edges { cursor node { slug } } pageInfo { hasNextPage } } }`);
    // 2 + 1.5 × (first × (cursor + slug) + pageInfo (2 + 1.5 × 1))
    expect(page(1)).toBe(2 + 1.5 * (2 + 3.5));
    expect(page(100)).toBe(2 + 1.5 * (200 + 3.5));
    expect(page(500)).toBeLessThan(MAX_COST);
  });

  it("charges nothing for __typename, which clients' caches add everywhere", () => {
    const plain = cost(`{ stagesConnection(project: "p") { edges { node { slug } } } }`);
    expect(cost(`{ stagesConnection(project: "p") { __typename edges { __typename node { __typename slug } } } }`)).toBe(plain);
  });

  it("takes `first` from a variable, the variable's default, or the argument's default", () => {
    const query = `query($f: Int = 7) { stagesConnection(project: "p", first: $f) { edges { node { slug } } } }`;
    expect(cost(query, { f: 3 })).toBe(2 + 1.5 * 3);
    expect(cost(query)).toBe(2 + 1.5 * 7);
    expect(cost(`{ stagesConnection(project: "p") { edges { node { slug } } } }`)).toBe(2 + 1.5 * PAGE_SIZE.default);
    // A plain list with `first` (releases: 20 by default) costs its whole selection that many times.
    expect(cost(`{ releases(project: "p", stage: "s") { number } }`)).toBe((2 + 1.5) * 20);
    // So does one that counts `last` from the newest (a webhook's deliveries: 20 by default).
    const deliveries = (last: string) => cost(`{ webhooks(project: "p") { deliveries${last} { id } } }`);
    expect(deliveries("")).toBe(2 + 1.5 * ((2 + 1.5) * 20));
    expect(deliveries("(last: 100)")).toBe(2 + 1.5 * ((2 + 1.5) * 100));
  });

  it("counts a fragment where it is spread, with the page it is spread in", () => {
    const spread = cost(
      `{ stagesConnection(project: "p", first: 4) { ...Page } } fragment Page on StageConnection { edges { node { slug name } } }`,
    );
    const inline = cost(`{ stagesConnection(project: "p", first: 4) { edges { node { slug name } } } }`);
    expect(spread).toBe(inline);
  });

  it("refuses a connection's `first` out of range naming it, and a page above the limit", () => {
    const query = `query($f: Int!) { stagesConnection(project: "p", first: $f) { edges { node { slug } } } }`;
    expect(checkCost(schema, parse(query), undefined, { f: 501 })).toMatchObject({ code: "BAD_USER_INPUT", details: { field: "first" } });
    expect(checkCost(schema, parse(query), undefined, { f: 0 })).toMatchObject({ details: { field: "first" } });
    const wide = `query($f: Int!) { stagesConnection(project: "p", first: $f) { edges { node { slug name state health
      currentRelease { number state build { name } } components { name state health links } project { slug name } } } } }`;
    expect(checkCost(schema, parse(wide), undefined, { f: 50 })).toBeUndefined();
    expect(checkCost(schema, parse(wide), undefined, { f: 500 })).toMatchObject({ code: "BAD_USER_INPUT", details: { maxCost: MAX_COST } });
  });

  it("lets every operation of the dashboard, the CLI and the agent through at its default page sizes", () => {
    const dir = new URL("../../../../packages/schema/src/documents/", import.meta.url);
    const definitions = readdirSync(dir)
      .filter((name) => name.endsWith(".graphql"))
      .flatMap((name) => parse(readFileSync(new URL(name, dir), "utf8")).definitions);
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions };
    const operations = definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []));
    expect(operations.length).toBeGreaterThan(20);
    const over = operations.map((name) => ({ name, cost: operationCost(schema, document, name, {}) })).filter((o) => o.cost > MAX_COST);
    expect(over).toEqual([]);
    // Headroom: the dashboard's Stage list page (40 Stages) stays well inside the limit.
    expect(operationCost(schema, document, "DashboardStageListPage", {})).toBeLessThan(MAX_COST * 0.8);
  });
});
