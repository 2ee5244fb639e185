/**
 * The rules of Stage policies that are not about who the caller is (that one, `deployers`, is
 * authorization: auth/policy.ts "stage.deploy"). Pure: the services load the policy and the
 * facts under their locks and ask here. Every refusal is STATE_CONFLICT and names the policy,
 * with `policy` (the Stage type) and `rule` in its details, so clients can tell which one.
 */
import type { StageDeployers, StageType } from "@pergola/schema";
import { ErrorCode } from "../errors.js";
import type { Refusal } from "./outcome.js";

export interface StagePolicyFacts {
  type: StageType;
  deployers: StageDeployers;
  requirePromotionFrom: StageType | null;
  confirmDeploy: boolean;
  confirmSuspend: boolean;
}

/** How every refusal starts: "policy of PROD Stages". */
export const policyName = (type: StageType) => `policy of ${type} Stages`;

/**
 * A new Release on a Stage of `policy.type`: its Build must be, or have been, DEPLOYED on a Stage
 * of the required type in the Project (`deployedOnSource`); a deploy that asks for confirmation
 * needs `confirm`. The promotion rule comes first: no one is asked to confirm what is refused anyway.
 */
export function deployRefusal(
  policy: StagePolicyFacts,
  facts: { build: string; project: string; deployedOnSource: boolean; confirm: boolean },
): Refusal | undefined {
  const from = policy.requirePromotionFrom;
  if (from && !facts.deployedOnSource) {
    return refusal(
      policy,
      "requirePromotionFrom",
      `a Release comes by promotion from a ${from} Stage; Build "${facts.build}" was never DEPLOYED on a ${from} Stage of Project "${facts.project}" (promoteRelease from one)`,
    );
  }
  if (policy.confirmDeploy && !facts.confirm) return refusal(policy, "confirmDeploy", "a deploy asks for confirmation; send confirm: true");
  return undefined;
}

/** suspendStage on a Stage of `policy.type`. */
export function suspendRefusal(policy: StagePolicyFacts, confirm: boolean): Refusal | undefined {
  if (policy.confirmSuspend && !confirm) return refusal(policy, "confirmSuspend", "suspending asks for confirmation; send confirm: true");
  return undefined;
}

function refusal(policy: StagePolicyFacts, rule: string, message: string): Refusal {
  return { code: ErrorCode.STATE_CONFLICT, message: `${policyName(policy.type)}: ${message}`, details: { policy: policy.type, rule } };
}
