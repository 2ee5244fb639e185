/** `list policy`, `update policy TYPE …`: the Stage policies, one per Stage type (README, "Stage policies"). */
import { isOneOf, STAGE_DEPLOYERS, STAGE_TYPES, type StageDeployers, type StageType } from "@pergola/schema";
import { CliListStagePoliciesDocument, CliUpdateStagePolicyDocument, type StagePolicyRow } from "../documents.js";
import { leaf } from "../command.js";
import { badInput } from "../errors.js";
import type { Verbs } from "../groups.js";
import { lower, print, renderTable } from "../output.js";

function parseType(flag: string, value: string): StageType {
  const type = value.toUpperCase();
  if (!isOneOf(STAGE_TYPES, type)) throw badInput(`${flag} ${value}: choose dev, qa or prod`);
  return type;
}

/** `owners` or `owners-and-members`. */
function parseDeployers(value: string): StageDeployers {
  const deployers = value.toUpperCase().replaceAll("-", "_");
  if (!isOneOf(STAGE_DEPLOYERS, deployers)) throw badInput(`--deployers ${value}: choose owners or owners-and-members`);
  return deployers;
}

function parseWhole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw badInput(`${flag} ${value}: a whole number`);
  return Number(value);
}

const yesNo = (value: boolean) => (value ? "yes" : "no");

export function renderPolicies(policies: StagePolicyRow[]): string {
  return renderTable(
    ["type", "deployers", "promotion from", "confirm deploy", "confirm suspend", "default grace", "auto-suspend", "nice"],
    policies.map((p) => [
      lower(p.type),
      lower(p.deployers).replaceAll("_", "-"),
      p.requirePromotionFrom ? lower(p.requirePromotionFrom) : "-",
      yesNo(p.confirmDeploy),
      yesNo(p.confirmSuspend),
      `${p.defaultSuspendGraceSeconds}s`,
      p.autoSuspendAfterHours ? `${p.autoSuspendAfterHours}h` : "off",
      `${p.nice}`,
    ]),
    "stage policies",
  );
}

export function registerPolicies(verbs: Verbs): void {
  leaf(
    verbs.list,
    "policy",
    "List the Stage policies, one per Stage type: who deploys, where Releases come from, what asks for confirmation, defaults",
    ["pergola list policy", "pergola list policies -o json"],
    (cmd) => cmd.alias("policies"),
    async (ctx) => {
      const { stagePolicies } = await ctx.client.request(CliListStagePoliciesDocument, {});
      print(ctx.format, stagePolicies, () => renderPolicies(stagePolicies));
    },
  );

  leaf(
    verbs.update,
    "policy <type>",
    "Change the policy of a Stage type (dev, qa or prod), for every Project (admins)",
    [
      "pergola update policy prod --deployers owners --require-promotion-from qa --confirm-deploy",
      "pergola update policy dev --default-grace 10 --nice 10 --no-confirm-suspend",
      "pergola update policy prod --require-promotion-from none",
    ],
    (cmd) =>
      cmd
        .alias("policies")
        .option("--deployers <who>", "who may deploy: owners, or owners-and-members (admins always may)")
        .option(
          "--require-promotion-from <type>",
          "Builds must be or have been DEPLOYED on a Stage of this type (dev, qa, prod); none: no such rule",
        )
        .option("--confirm-deploy", "deploys, promotions and rollbacks ask for confirmation")
        .option("--no-confirm-deploy", "they do not")
        .option("--confirm-suspend", "suspending asks for confirmation")
        .option("--no-confirm-suspend", "it does not")
        .option("--default-grace <seconds>", "the suspend grace of a new Stage of this type, 0 to 86400")
        .option("--auto-suspend-after <hours>", "suspend a Stage after this many hours without traffic through its links; 0: never")
        .option("--nice <level>", "scheduling priority of its Components' processes, -20 (first) to 19 (last)"),
    async (ctx, typeArg) => {
      const o = ctx.opts;
      const from = o.requirePromotionFrom as string | undefined;
      const clear = from?.toLowerCase() === "none";
      const input = {
        type: parseType("type", typeArg!),
        deployers: o.deployers === undefined ? null : parseDeployers(o.deployers),
        requirePromotionFrom: from === undefined || clear ? null : parseType("--require-promotion-from", from),
        clearRequirePromotionFrom: clear || null,
        confirmDeploy: (o.confirmDeploy as boolean | undefined) ?? null,
        confirmSuspend: (o.confirmSuspend as boolean | undefined) ?? null,
        defaultSuspendGraceSeconds: parseWhole("--default-grace", o.defaultGrace) ?? null,
        autoSuspendAfterHours: parseWhole("--auto-suspend-after", o.autoSuspendAfter) ?? null,
        nice: parseWhole("--nice", o.nice) ?? null,
      };
      if (Object.entries(input).every(([k, v]) => k === "type" || v === null)) {
        throw badInput(
          "nothing to change: give --deployers, --require-promotion-from, --confirm-deploy, --confirm-suspend, --default-grace, --auto-suspend-after or --nice",
        );
      }
      const { updateStagePolicy } = await ctx.client.request(CliUpdateStagePolicyDocument, { input });
      print(
        ctx.format,
        updateStagePolicy,
        () => `policy of ${lower(updateStagePolicy.type)} stages updated\n${renderPolicies([updateStagePolicy])}`,
      );
    },
  );
}
