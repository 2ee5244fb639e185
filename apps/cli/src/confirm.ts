/**
 * Stage policies may ask for confirmation before a deploy or a suspend (StagePolicy.confirmDeploy,
 * confirmSuspend): the API then refuses the change without `confirm: true`, naming the policy.
 * The CLI sends the change as asked; if the policy's refusal comes back, it asks the person
 * (prompt.ts: on a terminal, or stdin's first line) and sends it again with `confirm: true`.
 * `--yes` confirms beforehand, for scripts.
 */
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { askYesNo } from "./prompt.js";

/** The API's refusal for a missing confirmation: "policy of PROD Stages: a deploy asks for confirmation; send confirm: true". */
const ASKS = /^(policy of \w+ Stages): .*asks for confirmation/;

/** Runs `change`, asking the person first where the Stage's policy says so; `doing` completes "… Go on and <doing>?". */
export async function confirmedByPolicy<T>(
  yes: boolean | undefined,
  doing: string,
  change: (confirm: boolean | null) => Promise<T>,
): Promise<T> {
  if (yes) return change(true);
  try {
    return await change(null);
  } catch (error) {
    const asks = error instanceof CliError && error.code === "STATE_CONFLICT" ? ASKS.exec(error.apiMessage ?? "") : null;
    if (!asks) throw error;
    if (!(await askYesNo(`The ${asks[1]} asks for confirmation. Go on and ${doing}? [y/N] `))) {
      throw new CliError(
        `not confirmed, nothing was done (the ${asks[1]} asks for confirmation; --yes confirms beforehand)`,
        ExitCode.ERROR,
      );
    }
    return change(true);
  }
}

/** `--yes` on the commands a Stage policy may ask to confirm. */
export const YES_OPTION = ["-y, --yes", "confirm beforehand where the Stage's policy asks for confirmation (for scripts)"] as const;
