/**
 * `--wait`: follows `releaseChanged` until the Release is DEPLOYED or FAILED. The caller
 * reads `project(slug) { cursor }` BEFORE it deploys and passes it as `after`, so the events
 * of the new Release are replayed even if they happened before the socket was open.
 */
import { createSpinner } from "nanospinner";
import type { ApiClient } from "./client.js";
import { CliReleaseChangedDocument, type ReleaseRow } from "./documents.js";
import { readEnv } from "./env.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import type { OutputFormat } from "./output.js";

export type WaitResult = Pick<ReleaseRow, "state" | "message">;

export async function waitForRelease(
  client: ApiClient,
  target: { project: string; stage: string; after: string; release: Pick<ReleaseRow, "id" | "number" | "state" | "build"> },
  timeoutMs: number,
  format: OutputFormat,
): Promise<WaitResult> {
  const spin = format === "table" && process.stderr.isTTY && !readEnv().NO_COLOR;
  const spinner = spin
    ? createSpinner(`release #${target.release.number} of ${target.release.build.name}: ${target.release.state.toLowerCase()}`, {
        stream: process.stderr,
      }).start()
    : null;
  let result: WaitResult | undefined;
  const sub = client.subscribe(
    CliReleaseChangedDocument,
    { project: target.project, stage: target.stage, after: target.after },
    ({ releaseChanged }) => {
      const { release } = releaseChanged;
      if (release.id !== target.release.id) return;
      spinner?.update({ text: `release #${release.number} of ${target.release.build.name}: ${release.state.toLowerCase()}` });
      if (release.state === "DEPLOYED" || release.state === "FAILED" || release.state === "SUPERSEDED") {
        result = { state: release.state, message: release.message };
        return "stop";
      }
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before stopping: stopping settles `done`, and the race must end as a timeout.
      reject(
        new CliError(
          `timed out after ${Math.round(timeoutMs / 1000)}s waiting for release #${target.release.number} to deploy`,
          ExitCode.TIMED_OUT,
        ),
      );
      sub.stop();
    }, timeoutMs);
  });
  try {
    await Promise.race([sub.done, timeout]);
  } catch (error) {
    spinner?.error();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (!result) throw new CliError("the server ended the subscription before the Release finished", ExitCode.ERROR);
  if (result.state === "DEPLOYED")
    spinner?.success({ text: `release #${target.release.number} of ${target.release.build.name}: deployed` });
  else
    spinner?.error({
      text: `release #${target.release.number}: ${result.state.toLowerCase()}${result.message ? ` (${result.message})` : ""}`,
    });
  return result;
}
