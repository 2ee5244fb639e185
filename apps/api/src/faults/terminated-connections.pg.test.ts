/**
 * PostgreSQL drops the API's connections (as a failover or a restart does) in the middle of a
 * write burst: the process stays up, every write it acknowledged is in the database, and every
 * other one was answered SERVICE_UNAVAILABLE (HTTP 503), never INTERNAL_SERVER_ERROR.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDatabaseOptions, uniqueSlug } from "../testing/harness.js";
import { describeWithPostgres } from "../testing/postgres-only.js";
import { outcomeOf, spawnApiOn, terminateBackends, type Answer, type FaultyApi } from "../testing/database-faults.js";

const CLIENTS = 20;
const WRITES = 300;
/** After how many answered writes the backends are terminated. */
const KILL_AT = [40, 120, 200];

let fresh: Awaited<ReturnType<typeof freshDatabaseOptions>>;
let faulty: FaultyApi;
let admin: pg.Client;

beforeAll(async () => {
  fresh = await freshDatabaseOptions();
  faulty = await spawnApiOn(fresh.options.url!);
  admin = new pg.Client({ connectionString: fresh.options.url });
  await admin.connect();
});
afterAll(async () => {
  await faulty?.api.stop();
  await admin?.end();
  await fresh?.drop();
});

describeWithPostgres("the API's PostgreSQL connections terminated during a write burst", () => {
  it("keeps the process up and loses no acknowledged write", async () => {
    const slugs = Array.from({ length: WRITES }, () => uniqueSlug("burst"));
    const answers: { slug: string; answer: Answer }[] = [];
    const kills: Promise<number>[] = [];
    let next = 0;
    const client = async () => {
      while (next < WRITES) {
        const slug = slugs[next++]!;
        const answer = await faulty.gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, {
          i: { name: slug, slug },
        });
        answers.push({ slug, answer });
        if (KILL_AT.includes(answers.length)) kills.push(terminateBackends(admin, faulty.applicationName));
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const terminated = await Promise.all(kills);

    expect(terminated).toHaveLength(3);
    for (const count of terminated) expect(count).toBeGreaterThan(0);
    expect(faulty.api.child.exitCode, faulty.api.output()).toBeNull();
    const defects = answers.filter(({ answer }) => outcomeOf(answer, "createProject") === "defect");
    expect(defects, faulty.api.output()).toEqual([]);

    const acknowledged = answers.filter(({ answer }) => outcomeOf(answer, "createProject") === "acknowledged").map(({ slug }) => slug);
    const { rows } = await admin.query<{ slug: string }>("select slug from projects where slug = any($1)", [acknowledged]);
    expect(rows.map((row) => row.slug).sort()).toEqual([...acknowledged].sort());
    console.info(
      `${acknowledged.length} of ${WRITES} writes acknowledged, ${WRITES - acknowledged.length} answered SERVICE_UNAVAILABLE; backends terminated: ${terminated.join(", ")}`,
    );

    // And it carries on: ready, and writing.
    expect(await faulty.readyz()).toBe(200);
    const after = uniqueSlug("after");
    expect(
      outcomeOf(
        await faulty.gql(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: after, slug: after } }),
        "createProject",
      ),
    ).toBe("acknowledged");
  });
});
