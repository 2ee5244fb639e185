/**
 * One fuzz run: fast-check draws requests from `documents.ts`, sends each over one transport,
 * and checks the answer against `answers.ts`. A failure is shrunk, saved as a JSON body, and
 * reported with the commands that replay it.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { problemWith } from "./answers.js";
import { type FuzzRequest, fuzzRequest } from "./documents.js";
import { openWs, requestBody, sendHttp, type Target } from "./transports.js";

export type Transport = "http" | "ws";

export interface FuzzOptions {
  transport: Transport;
  db: "pglite" | "postgres";
  runs: number;
  seed: number;
  /** fast-check's counterexample path: with the seed, replays exactly the shrunk case. */
  path?: string;
  /** Go on past failures and report one example of each kind (rule broken × root field), unshrunk. */
  survey?: boolean;
}

export interface FuzzOutcome {
  failed: boolean;
  runs: number;
  /** Empty when it passed; otherwise the shrunk case, the broken rule and how to replay it. */
  report: string;
}

/** A Project with a Stage, a Configuration and an Outpost, named as `values.ts` KNOWN_NAMES says. */
export async function createFuzzWorld(target: Target): Promise<void> {
  const steps = [
    `mutation { createProject(input: { name: "fuzz", slug: "fuzz" }) { slug } }`,
    `mutation { createStage(input: { project: "fuzz", name: "dev", slug: "dev", type: DEV }) { id } }`,
    `mutation { addConfigData(input: { project: "fuzz", stage: "dev", configuration: "fuzz-config", env: [{ name: "A", value: "1" }] }) { name } }`,
    `mutation { createOutpost(input: { name: "fuzz-edge", slug: "fuzz-edge" }) { agentToken } }`,
  ];
  for (const query of steps) {
    const answer = await sendHttp(target, { query, subscription: false });
    if (answer.status !== 200 || answer.codes.length) throw new Error(`setting up the fuzz world: ${answer.text}`);
  }
}

export async function runFuzz(target: Target, options: FuzzOptions): Promise<FuzzOutcome> {
  const ws = options.transport === "ws" ? openWs(target) : undefined;
  const send = (request: FuzzRequest) => (ws ? ws.send(request) : sendHttp(target, request));
  const surveyed = new Map<string, string>();
  try {
    const details = await fc.check(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const answer = await send(request);
        const problem = problemWith(request, answer);
        if (!problem) return;
        const failure = `${problem}\nanswer: ${answer.text.slice(0, 2_000)}`;
        if (!options.survey) throw new Error(failure);
        const kind = `${problem.split("\n")[0]!.slice(0, 40)} × ${rootFieldOf(request.query)}`;
        if (!surveyed.has(kind))
          surveyed.set(
            kind,
            `${kind}\n  ${failure.slice(0, 500)}\n  query: ${request.query.slice(0, 400)}\n  variables: ${JSON.stringify(request.variables ?? {}).slice(0, 300)}`,
          );
      }),
      { numRuns: options.runs, seed: options.seed, path: options.path, endOnFailure: false },
    );
    if (surveyed.size) return { failed: true, runs: details.numRuns, report: [...surveyed.values()].join("\n\n") };
    if (!details.failed) return { failed: false, runs: details.numRuns, report: "" };
    return { failed: true, runs: details.numRuns, report: describeFailure(options, details) };
  } finally {
    await ws?.close();
  }
}

function rootFieldOf(query: string): string {
  return /\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(query.replace(/^[^{]*\{\s*\.\.\.F0[^{]*\{(\s*\.\.\.F\d+)?/, "{"))?.[1] ?? "?";
}

function describeFailure(options: FuzzOptions, details: fc.RunDetails<[FuzzRequest]>): string {
  const request = details.counterexample?.[0];
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const lines = [`fuzz (${options.transport}): ${error}`, `after ${details.numRuns} runs and ${details.numShrinks} shrinks`];
  if (request) {
    const file = join(tmpdir(), `pergola-fuzz-${details.seed}-${options.transport}.json`);
    writeFileSync(file, requestBody(request));
    const shown = request.query.length > 600 ? `${request.query.slice(0, 600)}… (${request.query.length} characters)` : request.query;
    lines.push(`query: ${shown}`, `variables: ${JSON.stringify(request.variables ?? {}).slice(0, 600)}`, `body saved to ${file}`);
    lines.push(`replay against a running API (production mode, an admin token in $TOKEN):`);
    lines.push(`  curl -s <api>/graphql -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @${file}`);
  }
  lines.push(`replay the shrunk case here:`);
  lines.push(
    `  npm run fuzz -- --db ${options.db} --transport ${options.transport} --seed ${details.seed} --path ${details.counterexamplePath}`,
  );
  return lines.join("\n");
}
