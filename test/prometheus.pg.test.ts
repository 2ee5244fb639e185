/**
 * Debian's Prometheus scraping two API replicas with deploy/prometheus.yml (its targets and a 1 s
 * interval set by the test) and deploy/alerts.yml (its rules as written, only their `for` cut to
 * 2 s), on PostgreSQL: after a deploy through one replica, PromQL over Prometheus's HTTP API reads
 * the Stage HEALTHY and RUNNING and its Component's CPU seconds and memory from both replicas
 * alike; when the PROD Stage's service turns unhealthy, the PROD-unhealthy alert fires and a
 * webhook receiver hears STAGE_UNHEALTHY; after a suspend, SUSPENDED; deploy durations are
 * counted. deploy/alerts.yml passes `promtool check rules` and its own rule tests
 * (deploy/alerts.test.yml: the PROD-unhealthy alert fires after 2 minutes, not before).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generateToken } from "../apps/api/src/auth/token.service.js";
import { makeArchive } from "../apps/api/src/testing/archive.js";
import { freshDatabaseOptions, uniqueSlug, withTimeout } from "../apps/api/src/testing/harness.js";
import { describeWithPostgres } from "../apps/api/src/testing/postgres-only.js";
import { startWebhookReceiver, type WebhookReceiver } from "../apps/api/src/testing/webhook-receiver.js";
import { verifyWebhookSignature } from "../apps/api/src/webhooks/webhook-signature.js";
import { freePort, requestApi, spawnApi, type ApiProcess } from "../apps/api/src/testing/process.js";
import { ROOT, spawnLogged, type Spawned } from "./support/processes.js";

const run = promisify(execFile);
const binary = (name: string) => (existsSync(`/usr/bin/${name}`) ? `/usr/bin/${name}` : name);

describe("deploy/alerts.yml", () => {
  it("passes promtool's check and its rule tests: the PROD-unhealthy alert fires after 2 minutes, not before", async () => {
    const check = await run(binary("promtool"), ["check", "rules", join(ROOT, "deploy/alerts.yml")]);
    expect(check.stdout).toMatch(/SUCCESS: 3 rules found/);
    const tested = await run(binary("promtool"), ["test", "rules", join(ROOT, "deploy/alerts.test.yml")]);
    expect(tested.stdout).toMatch(/SUCCESS/);
  });
});

const token = generateToken();
const agentToken = generateToken();
let replicas: ApiProcess[] = [];
let fresh: Awaited<ReturnType<typeof freshDatabaseOptions>> | undefined;
let agent: Spawned | undefined;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let hook: WebhookReceiver | undefined;
const dir = mkdtempSync(join(tmpdir(), "pergola-prometheus-"));
/** Its own: the Stages' users must be able to pass through its parent (the agent checks). */
const agentDir = mkdtempSync(join(tmpdir(), "pergola-prometheus-agent-"));
/** Written to break the service's health check: where its Stage's user (the agent runs as root) can look. */
const flagDir = mkdtempSync(join(tmpdir(), "pergola-prometheus-flag-"));
chmodSync(flagDir, 0o755);
const brokenFile = join(flagDir, "broken");

const gql = <T = any>(api: ApiProcess, query: string, variables: Record<string, unknown> = {}) =>
  requestApi<T>(api, token, query, variables);

type Sample = { metric: Record<string, string>; value: [number, string] };

async function query(promql: string): Promise<Sample[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== "success") throw new Error(`PromQL ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Asks `promql` again until `accept` takes its samples: Prometheus scrapes and evaluates each second. */
async function untilSamples(promql: string, accept: (samples: Sample[]) => boolean, ask = query): Promise<Sample[]> {
  for (;;) {
    const samples = await ask(promql);
    if (accept(samples)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Settles once `promql` answers `value` from every replica (one sample per instance). */
function fromEveryReplica(promql: string, value: string, ask = query): Promise<Sample[]> {
  return untilSamples(promql, (samples) => samples.length === replicas.length && samples.every((s) => s.value[1] === value), ask);
}

describeWithPostgres("Prometheus scraping two replicas", () => {
  beforeAll(async () => {
    // A database of its own: its agent runs the built-in local Outpost's Stages, and another
    // test's agent on the shared database would run them too.
    fresh = await freshDatabaseOptions();
    const env = {
      DATABASE_URL: fresh.options.url!,
      PERGOLA_ADMIN_TOKEN: token,
      PERGOLA_LOCAL_AGENT_TOKEN: agentToken,
      PERGOLA_SECRET_KEY: randomBytes(32).toString("base64"),
    };
    replicas = await Promise.all([spawnApi(env), spawnApi(env)]);
    hook = await startWebhookReceiver();
    agent = spawnLogged(process.execPath, [join(ROOT, "apps/agent/dist/cli.js"), "--server", replicas[0]!.url, "--data-dir", agentDir], {
      PATH: process.env.PATH ?? "",
      PERGOLA_AGENT_TOKEN: agentToken,
      LOG_LEVEL: "warn",
    });
    // deploy/prometheus.yml with these replicas as targets, scraped every second.
    const config = parse(readFileSync(join(ROOT, "deploy/prometheus.yml"), "utf8"));
    config.global.scrape_interval = "1s";
    config.global.evaluation_interval = "1s";
    // The rules as shipped, each held for 2 s instead of minutes.
    const rules = parse(readFileSync(join(ROOT, "deploy/alerts.yml"), "utf8"));
    for (const rule of rules.groups[0].rules) rule.for = "2s";
    writeFileSync(join(dir, "alerts.yml"), stringify(rules));
    config.rule_files = [join(dir, "alerts.yml")];
    config.scrape_configs[0].static_configs = [{ targets: replicas.map((r) => new URL(r.url).host) }];
    writeFileSync(join(dir, "prometheus.yml"), stringify(config));
    await run(binary("promtool"), ["check", "config", join(dir, "prometheus.yml")]);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      binary("prometheus"),
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    prometheus.stderr!.on("data", (chunk) => (log += chunk));
    await withTimeout(
      // Until it listens, as no samples.
      fromEveryReplica("up", "1", (promql) => query(promql).catch(() => [])),
      30_000,
      "Prometheus did not scrape both replicas",
    ).catch(async (error: Error) => {
      const targets = await fetch(`${promUrl}/api/v1/targets`).then((r) => r.text(), String);
      throw new Error(`${error.message}: ${targets}\n${log.slice(-1000)}`);
    });
  }, 60_000);
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once("exit", resolve));
      prometheus.kill("SIGTERM");
      await exited;
    }
    await agent?.stop();
    await hook?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await fresh?.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
    rmSync(flagDir, { recursive: true, force: true });
  });

  it("answers PromQL from both replicas alike: a deployed Stage HEALTHY with its CPU and memory; unhealthy, the alert fires and a webhook is told; then SUSPENDED", async () => {
    const [a] = replicas;
    const project = uniqueSlug("p");
    await gql(a!, `mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: project, slug: project } });
    await gql(a!, `mutation($i: CreateStageInput!) { createStage(input: $i) { slug } }`, { i: { project, name: "live", type: "PROD" } });
    const upload = await fetch(`${a!.url}/artifacts?project=${project}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: await makeArchive({
        // Its health check fails once the test writes the file \`broken\`.
        "server.js": `const broken = ${JSON.stringify(brokenFile)};
require("node:http").createServer((q, s) => {
  s.statusCode = q.url === "/healthz" && require("node:fs").existsSync(broken) ? 500 : 200;
  s.end("ok");
}).listen(Number(process.env.PORT), process.env.HOST);
process.on("SIGTERM", () => process.exit(0));`,
      }),
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const manifest = {
      version: "v1",
      components: [
        {
          name: "web",
          command: [process.execPath, "server.js"],
          ports: [8080],
          health: { http: { path: "/healthz", port: 8080 }, interval: "1s", timeout: "1s", threshold: 1 },
        },
      ],
    };
    const { createBuild } = await gql(a!, `mutation($i: CreateBuildInput!) { createBuild(input: $i) { name } }`, {
      i: { project, manifest, artifact: sha256 },
    });
    await gql(a!, `mutation($i: DeployReleaseInput!) { deployRelease(input: $i) { number } }`, {
      i: { project, stage: "live", build: createBuild.name },
    });

    const selector = `project="${project}",stage="live"`;
    const healthy = await withTimeout(
      fromEveryReplica(`pergola_stage_health{${selector},type="PROD",health="HEALTHY"}`, "1"),
      60_000,
      "Prometheus never read the Stage HEALTHY from both replicas",
    ).catch(async (error: Error) => {
      const seen = await gql(
        a!,
        `query($p: String!) { stage(project: $p, slug: "live") { state health currentRelease { state message } components { name state health } } }`,
        { p: project },
      );
      const series = await query(`pergola_stage_health{${selector}}`);
      throw new Error(`${error.message}: ${JSON.stringify(seen)} ${JSON.stringify(series)} ${agent?.output().slice(-1500)}`);
    });
    expect(new Set(healthy.map((s) => s.metric.instance)).size).toBe(2);
    await withTimeout(
      fromEveryReplica(`pergola_component_state{${selector},component="web",state="RUNNING"}`, "1"),
      30_000,
      "Prometheus never read the Component RUNNING",
    );
    // The replica that took the report that made the Release DEPLOYED observed how long it took.
    const deployed = await query("sum(pergola_release_deploy_duration_seconds_count)");
    expect(Number(deployed[0]?.value[1])).toBeGreaterThanOrEqual(1);

    // The Component's CPU seconds and memory, as its agent sampled them (every 10 s), from both replicas.
    const web = `${selector},component="web"`;
    const memory = await withTimeout(
      fromEveryReplica(`pergola_component_memory_bytes{${web}} > bool 1000000`, "1"),
      45_000,
      "Prometheus never read the Component's memory",
    );
    expect(memory).toHaveLength(2);
    const cpu = await query(`pergola_component_cpu_seconds_total{${web}}`);
    expect(cpu).toHaveLength(2);
    for (const sample of cpu) expect(Number(sample.value[1])).toBeGreaterThan(0);

    // The service turns unhealthy: the alert fires, and a webhook receiver hears of it.
    const secret = "prometheus-test-secret-0123456789";
    await gql(a!, `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, {
      i: { project, url: hook!.url, events: ["STAGE_UNHEALTHY"], secret },
    });
    writeFileSync(brokenFile, "");
    const alert = `ALERTS{alertname="PergolaProdStageUnhealthy",alertstate="firing",${selector}}`;
    const firing = await withTimeout(
      untilSamples(alert, (samples) => samples.length > 0),
      60_000,
      "the PROD-unhealthy alert never fired",
    ).catch(async (error: Error) => {
      const seen = await gql(a!, `query($p: String!) { stage(project: $p, slug: "live") { health components { name health } } }`, {
        p: project,
      });
      const series = await query(`pergola_stage_health{${selector}} == 1`);
      throw new Error(
        `${error.message}: ${JSON.stringify(seen)} ${JSON.stringify(series)} ${JSON.stringify(await query("ALERTS"))} ${agent?.output().slice(-1500)}`,
      );
    });
    expect(firing).toHaveLength(1); // one alert for the Stage, not one per replica
    expect(firing[0]!.metric.severity).toBe("critical");
    const told = await hook!.until((received) => received.find((r) => JSON.parse(r.body).event === "STAGE_UNHEALTHY"), 30_000);
    const headers = told.headers as Record<string, string>;
    expect(verifyWebhookSignature(secret, headers["x-pergola-timestamp"]!, told.body, headers["x-pergola-signature"]!)).toBe(true);
    expect(JSON.parse(told.body)).toMatchObject({ project: { slug: project }, stage: { slug: "live", type: "PROD", health: "UNHEALTHY" } });

    await gql(replicas[1]!, `mutation($p: String!) { suspendStage(project: $p, slug: "live") { state } }`, { p: project });
    await withTimeout(
      fromEveryReplica(`pergola_stage_state{${selector},state="SUSPENDED"}`, "1"),
      30_000,
      "Prometheus never read the Stage SUSPENDED from both replicas",
    );
    // One series per Stage once the replicas are aggregated, as the alerts do.
    const aggregated = await query(`max without (instance) (pergola_stage_state{${selector},state="SUSPENDED"})`);
    expect(aggregated).toHaveLength(1);
    expect(aggregated[0]!.value[1]).toBe("1");
  }, 150_000);
});
