/**
 * Stage policies: one row per Stage type (the migration seeds them), changed by admins. The
 * services that deploy (releases/release.service.ts) and suspend or create Stages
 * (stages/stage.service.ts) read the Stage's policy inside their transaction, through
 * `readStagePolicy` and `checkDeployPolicy`, and refuse what it forbids.
 */
import type { Db, Tx } from "@pergola/db/client";
import { projectMembers, releases, stagePolicies, stages, type StagePolicyRow, type StageRow, type StageType } from "@pergola/db/schema";
import { STAGE_TYPES } from "@pergola/schema";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { recordAudit } from "../audit/audit.service.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import { toAppError } from "../domain/outcome.js";
import { deployRefusal, suspendRefusal } from "../domain/stage-policy.rules.js";
import { badInput } from "../errors.js";
import type { ProjectTx } from "../events/event-log.js";

/** The changeable fields of a policy; omitted ones stay. */
export interface StagePolicyChanges {
  type: StageType;
  deployers?: StagePolicyRow["deployers"] | null;
  requirePromotionFrom?: StageType | null;
  clearRequirePromotionFrom?: boolean | null;
  confirmDeploy?: boolean | null;
  confirmSuspend?: boolean | null;
  defaultSuspendGraceSeconds?: number | null;
  autoSuspendAfterHours?: number | null;
  nice?: number | null;
}

/** Who makes a Release, and whether they confirmed it (the policy may ask). */
export interface DeployCaller {
  actor: Actor;
  confirm?: boolean | null;
}

export class StagePolicyService {
  constructor(private readonly db: Db) {}

  /** Every type's policy, in the order of the types (DEV, QA, PROD). */
  async listStagePolicies(): Promise<StagePolicyRow[]> {
    const rows = await this.db.select().from(stagePolicies);
    return STAGE_TYPES.map((type) => rows.find((r) => r.type === type)!);
  }

  /** `updateStagePolicy`: admins only; the field at fault is named. */
  async updateStagePolicy(actor: Actor, input: StagePolicyChanges): Promise<StagePolicyRow> {
    authorize(actor, "stagePolicy.manage", undefined);
    if (!STAGE_TYPES.includes(input.type)) throw badInput("type", `unknown Stage type "${input.type}": one of ${STAGE_TYPES.join(", ")}`);
    const changes = validChanges(input);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(stagePolicies)
        .set({ ...changes, updatedBy: actorLabel(actor), updatedAt: new Date() })
        .where(eq(stagePolicies.type, input.type))
        .returning();
      await recordAudit(tx, { action: "STAGE_POLICY_UPDATED", actor, detail: { type: input.type, ...changes } });
      return row!;
    });
  }
}

function validChanges(input: StagePolicyChanges): Partial<StagePolicyRow> {
  const changes: Partial<StagePolicyRow> = {};
  if (input.deployers != null) changes.deployers = input.deployers;
  if (input.clearRequirePromotionFrom && input.requirePromotionFrom != null) {
    throw badInput("requirePromotionFrom", "give it or clearRequirePromotionFrom, not both");
  }
  if (input.clearRequirePromotionFrom) changes.requirePromotionFrom = null;
  if (input.requirePromotionFrom != null) {
    if (input.requirePromotionFrom === input.type) throw badInput("requirePromotionFrom", "must be another type than the policy's own");
    changes.requirePromotionFrom = input.requirePromotionFrom;
  }
  if (input.confirmDeploy != null) changes.confirmDeploy = input.confirmDeploy;
  if (input.confirmSuspend != null) changes.confirmSuspend = input.confirmSuspend;
  if (input.defaultSuspendGraceSeconds != null) {
    changes.defaultSuspendGraceSeconds = whole("defaultSuspendGraceSeconds", input.defaultSuspendGraceSeconds, 0, 86_400, "seconds");
  }
  if (input.autoSuspendAfterHours != null) {
    changes.autoSuspendAfterHours = whole("autoSuspendAfterHours", input.autoSuspendAfterHours, 0, 8_760, "hours (0: never)");
  }
  if (input.nice != null) changes.nice = whole("nice", input.nice, -20, 19, "nice level");
  return changes;
}

function whole(field: string, value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(field, `must be a whole number of ${what} from ${min} to ${max}`);
  return value;
}

/** The policy of Stages of `type`, read in the caller's transaction. */
export async function readStagePolicy(db: Db | Tx, type: StageType): Promise<StagePolicyRow> {
  const [row] = await db.select().from(stagePolicies).where(eq(stagePolicies.type, type));
  return row!;
}

/**
 * Refuses a new Release of `build` on `stage` that its type's policy forbids: the caller is not
 * among its deployers (FORBIDDEN), the Build never was DEPLOYED on a Stage of the type it must
 * come from, in this Project (STATE_CONFLICT), or it asks for confirmation and got none.
 */
export async function checkDeployPolicy(
  { tx, project }: Pick<ProjectTx, "tx" | "project">,
  stage: StageRow,
  build: { id: string; name: string },
  caller: DeployCaller,
): Promise<void> {
  const policy = await readStagePolicy(tx, stage.type);
  if (policy.deployers !== "OWNERS_AND_MEMBERS" && caller.actor.role !== "ADMIN") {
    const [member] = caller.actor.userId
      ? await tx
          .select({ role: projectMembers.role })
          .from(projectMembers)
          .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, caller.actor.userId)))
      : [];
    authorize(caller.actor, "stage.deploy", { type: stage.type, deployers: policy.deployers, membership: member?.role ?? null });
  }
  const from = policy.requirePromotionFrom;
  const deployedOnSource = from ? await wasDeployedOn(tx, project.id, build.id, from) : true;
  const refused = deployRefusal(policy, { build: build.name, project: project.slug, deployedOnSource, confirm: Boolean(caller.confirm) });
  if (refused) throw toAppError(refused);
}

/** suspendStage: refused without `confirm` where the policy asks for it. */
export async function checkSuspendPolicy(tx: Tx, stage: StageRow, confirm: boolean | null | undefined): Promise<void> {
  const refused = suspendRefusal(await readStagePolicy(tx, stage.type), Boolean(confirm));
  if (refused) throw toAppError(refused);
}

/** Whether the Build is, or was, DEPLOYED on a Stage of `type` of the Project (archived ones count). */
async function wasDeployedOn(tx: Tx, projectId: string, buildId: string, type: StageType): Promise<boolean> {
  const [found] = await tx
    .select({ one: sql<number>`1` })
    .from(releases)
    .innerJoin(stages, eq(stages.id, releases.stageId))
    .where(and(eq(stages.projectId, projectId), eq(stages.type, type), eq(releases.buildId, buildId), isNotNull(releases.deployedAt)))
    .limit(1);
  return Boolean(found);
}
