/**
 * The embedded database after `kill -9`: the API starts again at once on the same data dir
 * (its lock names a holder that is gone), with every write it had acknowledged; while it runs,
 * a second process on that dir is refused, naming the holder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateToken } from "../auth/token.service.js";
import { uniqueSlug, withTimeout } from "../testing/harness.js";
import { spawnApi, type ApiProcess } from "../testing/process.js";

const dataDir = mkdtempSync(join(tmpdir(), "pergola-kill9-"));
const token = generateToken();
const env = { PERGOLA_DATA_DIR: dataDir, PERGOLA_ADMIN_TOKEN: token };
const started: ApiProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((api) => api.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function gql(api: ApiProcess, query: string, variables: Record<string, unknown>) {
  const res = await fetch(api.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
}

// The embedded database only: the postgres project runs the API on PostgreSQL.
describe("the API on PGlite killed with SIGKILL", () => {
  it("starts again at once with every acknowledged write, and still refuses a second live process", async () => {
    const first = await spawnApi(env);
    started.push(first);
    const slugs = Array.from({ length: 10 }, () => uniqueSlug("k9"));
    for (const slug of slugs) {
      const answer = await gql(first, `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, {
        i: { name: slug, slug },
      });
      expect(answer.errors).toBeUndefined();
    }
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    await withTimeout(exited, 5_000, "the API did not die on SIGKILL");

    const second = await spawnApi(env);
    started.push(second);
    for (const slug of slugs) {
      const { data } = await gql(second, `query($p: String!) { project(project: $p) { slug } }`, { p: slug });
      expect(data?.project?.slug).toBe(slug);
    }

    const refused = await spawnApi(env).then(
      (third) => {
        started.push(third);
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(refused).toContain(`is in use by another Pergola process (pid ${second.child.pid})`);
  }, 120_000);
});
