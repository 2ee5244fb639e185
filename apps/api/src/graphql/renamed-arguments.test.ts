/**
 * Every argument and input field renamed for one name per thing (docs/design.md, "GraphQL
 * contract"): the current name works, the former one still works and is deprecated, both at once
 * are refused, and neither is refused when the value is required (a default applies otherwise).
 */
import { isInputObjectType, isObjectType, type GraphQLSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuilds, uploadArtifact } from "../testing/builds.js";
import { createTestProject, startTestApi, uniqueSlug, type GraphQLResponse, type TestApi } from "../testing/harness.js";
import { createSchema } from "./schema.js";

let api: TestApi;
let schema: GraphQLSchema;
let artifact: string;
beforeAll(async () => {
  api = await startTestApi();
  schema = await createSchema();
  artifact = await uploadArtifact(api);
});
afterAll(() => api?.close());

/** `(a: $v, b: $v)` for the names given, after the arguments every call has; "" for none at all. */
function args(names: readonly string[], ...fixed: string[]): string {
  const all = [...fixed, ...names.map((name) => `${name}: $v`)];
  return all.length ? `(${all.join(", ")})` : "";
}

/** The operation's variables: `$v` of `type` only when a name uses it (an unused variable is invalid). */
function variables(names: readonly string[], type: string, ...fixed: string[]): string {
  return args([], ...fixed, ...(names.length ? [`$v: ${type}`] : []));
}

/** `{ a: value, b: value }` for the names given: the renamed input field under each. */
const fields = (names: readonly string[], value: unknown) => Object.fromEntries(names.map((name) => [name, value]));

async function createStage(project: string): Promise<string> {
  const slug = uniqueSlug("s");
  await api.ok(`mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: slug, slug, type: "DEV" } });
  return slug;
}

async function createOutpost(extra: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const slug = uniqueSlug("o");
  return api.gql(`mutation($i: CreateOutpostInput!) { createOutpost(input: $i) { outpost { slug labels labelEntries { key value } } } }`, {
    i: { name: slug, slug, ...extra },
  });
}

const newOutpost = async () => (await createOutpost()).data!.createOutpost.outpost.slug as string;

async function addConfig(project: string, stage: string, configuration: string) {
  await api.ok(`mutation($i: AddConfigDataInput!) { addConfigData(input: $i) { version } }`, {
    i: { project, stage, configuration, env: [{ name: "A", value: "1" }] },
  });
}

interface Call {
  res: GraphQLResponse;
  /** What the answer shows of the value, read from `res.data`. */
  seen: () => unknown;
  /** What it shows when the value was given (under either name). */
  given: unknown;
  /** What it shows when neither name was given (optional values only). */
  omitted?: unknown;
}

interface RenamedCase {
  /** The field (`Query.stage`) or input type (`UpdateStageInput`) that has both names. */
  owner: string;
  current: string;
  former: string;
  required: boolean;
  /** Makes fresh data, then calls with the value under each of `names`: none, one or both. */
  call(names: readonly string[]): Promise<Call>;
}

const CASES: RenamedCase[] = [
  {
    owner: "Query.project",
    current: "project",
    former: "slug",
    required: true,
    async call(names) {
      const p = await createTestProject(api);
      const res = await api.gql(`query${variables(names, "String")} { project${args(names)} { slug } }`, { v: p });
      return { res, seen: () => res.data?.project?.slug, given: p };
    },
  },
  {
    owner: "Mutation.deleteProject",
    current: "project",
    former: "slug",
    required: true,
    async call(names) {
      const p = await createTestProject(api);
      const res = await api.gql(`mutation${variables(names, "String")} { deleteProject${args(names)} }`, { v: p });
      return { res, seen: () => res.data?.deleteProject, given: true };
    },
  },
  ...(["stage", "deleteStage", "suspendStage", "resumeStage"] as const).map(
    (field): RenamedCase => ({
      owner: `${field === "stage" ? "Query" : "Mutation"}.${field}`,
      current: "stage",
      former: "slug",
      required: true,
      async call(names) {
        const p = await createTestProject(api);
        const s = await createStage(p);
        if (field === "resumeStage")
          await api.ok(`mutation($p: String!, $s: String!) { suspendStage(project: $p, stage: $s) { state } }`, { p, s });
        const selection = field === "deleteStage" ? "" : " { slug state }";
        const operation = field === "stage" ? "query" : "mutation";
        const res = await api.gql(
          `${operation}${variables(names, "String", "$p: String!")} { ${field}${args(names, "project: $p")}${selection} }`,
          { p, v: s },
        );
        const given = {
          stage: { slug: s, state: "RUNNING" },
          deleteStage: true,
          suspendStage: { slug: s, state: "SUSPENDED" },
          resumeStage: { slug: s, state: "RUNNING" },
        }[field];
        return { res, seen: () => res.data?.[field], given };
      },
    }),
  ),
  {
    owner: "Mutation.rollbackStage",
    current: "stage",
    former: "slug",
    required: true,
    async call(names) {
      const p = await createTestProject(api);
      const s = await createStage(p);
      for (const build of await createBuilds(api, p, artifact, 2)) {
        await api.ok(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, { i: { project: p, stage: s, build } });
      }
      const res = await api.gql(
        `mutation${variables(names, "String", "$p: String!")} { rollbackStage${args(names, "project: $p")} { number build { name } } }`,
        { p, v: s },
      );
      return { res, seen: () => res.data?.rollbackStage, given: { number: 3, build: { name: "b1" } } };
    },
  },
  {
    owner: "UpdateStageInput",
    current: "stage",
    former: "slug",
    required: true,
    async call(names) {
      const p = await createTestProject(api);
      const s = await createStage(p);
      const res = await api.gql(`mutation($i: UpdateStageInput!) { updateStage(input: $i) { slug name } }`, {
        i: { project: p, name: "Renamed", ...fields(names, s) },
      });
      return { res, seen: () => res.data?.updateStage, given: { slug: s, name: "Renamed" } };
    },
  },
  {
    owner: "Query.configuration",
    current: "configuration",
    former: "name",
    required: false,
    async call(names) {
      const p = await createTestProject(api);
      const s = await createStage(p);
      await addConfig(p, s, "default");
      await addConfig(p, s, "web");
      const res = await api.gql(
        `query${variables(names, "String", "$p: String!", "$s: String!")} { configuration${args(names, "project: $p", "stage: $s")} { name } }`,
        { p, s, v: "web" },
      );
      return { res, seen: () => res.data?.configuration?.name, given: "web", omitted: "default" };
    },
  },
  ...(["AddConfigDataInput", "RemoveConfigDataInput"] as const).map(
    (input): RenamedCase => ({
      owner: input,
      current: "configuration",
      former: "config",
      required: false,
      async call(names) {
        const p = await createTestProject(api);
        const s = await createStage(p);
        await addConfig(p, s, "default");
        await addConfig(p, s, "web");
        const [field, change] =
          input === "AddConfigDataInput" ? ["addConfigData", { env: [{ name: "B", value: "2" }] }] : ["removeConfigData", { names: ["A"] }];
        const res = await api.gql(`mutation($i: ${input}!) { ${field}(input: $i) { name version } }`, {
          i: { project: p, stage: s, ...change, ...fields(names, "web") },
        });
        return { res, seen: () => res.data?.[field], given: { name: "web", version: 2 }, omitted: { name: "default", version: 2 } };
      },
    }),
  ),
  {
    owner: "DeployReleaseInput",
    current: "configuration",
    former: "config",
    required: false,
    async call(names) {
      const p = await createTestProject(api);
      const s = await createStage(p);
      await addConfig(p, s, "default");
      await addConfig(p, s, "web");
      const [build] = await createBuilds(api, p, artifact, 1);
      const res = await api.gql(`mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { config { name } } }`, {
        i: { project: p, stage: s, build, ...fields(names, "web") },
      });
      return { res, seen: () => res.data?.deployRelease?.config?.name, given: "web", omitted: "default" };
    },
  },
  ...(["outpost", "rotateOutpostToken", "deleteOutpost"] as const).map(
    (field): RenamedCase => ({
      owner: `${field === "outpost" ? "Query" : "Mutation"}.${field}`,
      current: "outpost",
      former: "slug",
      required: true,
      async call(names) {
        const o = await newOutpost();
        const [operation, selection] = {
          outpost: ["query", " { slug }"],
          rotateOutpostToken: ["mutation", " { outpost { slug } }"],
          deleteOutpost: ["mutation", ""],
        }[field];
        const res = await api.gql(`${operation}${variables(names, "String")} { ${field}${args(names)}${selection} }`, { v: o });
        const given = { outpost: { slug: o }, rotateOutpostToken: { outpost: { slug: o } }, deleteOutpost: true }[field];
        return { res, seen: () => res.data?.[field], given };
      },
    }),
  ),
  {
    owner: "Outpost.history",
    current: "first",
    former: "last",
    required: false,
    async call(names) {
      const o = await newOutpost();
      // created, then token-rotated twice: three entries, newest first.
      for (let i = 0; i < 2; i++) await api.ok(`mutation($o: String!) { rotateOutpostToken(outpost: $o) { agentToken } }`, { o });
      const res = await api.gql(
        `query${variables(names, "Int", "$o: String!")} { outpost(outpost: $o) { history${args(names)} { at } } }`,
        { o, v: 2 },
      );
      return { res, seen: () => res.data?.outpost?.history?.length, given: 2, omitted: 3 };
    },
  },
  {
    owner: "CreateOutpostInput",
    current: "labelEntries",
    former: "labels",
    required: false,
    async call(names) {
      const values: Record<string, unknown> = { labelEntries: [{ key: "site", value: "berlin" }], labels: ["site=berlin"] };
      const res = await createOutpost(Object.fromEntries(names.map((name) => [name, values[name]])));
      const given = { labels: ["site=berlin"], labelEntries: [{ key: "site", value: "berlin" }] };
      return {
        res,
        seen: () => ({ labels: res.data?.createOutpost?.outpost.labels, labelEntries: res.data?.createOutpost?.outpost.labelEntries }),
        given,
        omitted: { labels: [], labelEntries: [] },
      };
    },
  },
];

/** The schema's definition of `name` on `owner`: a field's argument or an input type's field. */
function definition(owner: string, name: string) {
  const [typeName, fieldName] = owner.split(".");
  const type = schema.getType(typeName!);
  if (fieldName && isObjectType(type)) return type.getFields()[fieldName]?.args.find((arg) => arg.name === name);
  if (isInputObjectType(type)) return type.getFields()[name];
  return undefined;
}

describe.each(CASES)("$owner: $current (formerly $former)", (c) => {
  it("keeps the former name, optional and deprecated, beside the current one", () => {
    const [current, former] = [definition(c.owner, c.current), definition(c.owner, c.former)];
    expect(current?.description).toBeTruthy();
    expect(current?.deprecationReason).toBeUndefined();
    expect(former?.deprecationReason).toMatch(new RegExp(c.current));
    expect(String(current?.type)).not.toMatch(/!$/);
    expect(String(former?.type)).not.toMatch(/!$/);
  });

  it("takes the value under the current name", async () => {
    const { res, seen, given } = await c.call([c.current]);
    expect(res.errors).toBeUndefined();
    expect(seen()).toEqual(given);
  });

  it("takes the value under the former name", async () => {
    const { res, seen, given } = await c.call([c.former]);
    expect(res.errors).toBeUndefined();
    expect(seen()).toEqual(given);
  });

  it("refuses both names at once (BAD_USER_INPUT naming the current one)", async () => {
    const { res } = await c.call([c.current, c.former]);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: c.current });
    expect(res.errors?.[0]?.message).toMatch(/not both/);
  });

  it(c.required ? "refuses neither (BAD_USER_INPUT naming the current one)" : "falls back to the default without either", async () => {
    const { res, seen, omitted } = await c.call([]);
    if (c.required) {
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: c.current });
    } else {
      expect(res.errors).toBeUndefined();
      expect(seen()).toEqual(omitted);
    }
  });
});
