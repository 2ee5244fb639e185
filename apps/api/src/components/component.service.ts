/**
 * Agents' reports become Components, and move the Release and the Stage along their state
 * machines, all in one transaction with their events:
 *  - Release: PENDING → DEPLOYING on the first report, → DEPLOYED when every service runs,
 *    → FAILED when a Component failed (its message becomes the Release's);
 *  - Stage: SUSPENDING → SUSPENDED once nothing runs, RESUMING → RUNNING once services run.
 * A report for an old generation, for a Release that is no longer the Stage's, for a Stage of
 * another Outpost, or from a superseded agent session, is refused. What the agent observed
 * (the generation, the apply errors) is kept on the Stage for its OutpostLink.
 */
import type { Db } from "@pergola/db/client";
import { COMPONENT_LOG_LINES, components, outpostHistory, outposts, releases, stages, type ComponentRow, type ReleaseRow, type StageRow } from "@pergola/db/schema";
import { and, asc, eq, inArray } from "drizzle-orm";
import { LOCAL_OUTPOST } from "../agents/desired-state.service.js";
import type { OutpostAnnouncer } from "../outposts/outpost-announcer.js";
import { emitLinkChanged } from "../outposts/outpost-announcer.js";
import type { AgentSession } from "../outposts/outpost-sessions.js";
import type { LogFeed } from "./log-feed.js";
import { getOutpostViews } from "../outposts/outpost-views.js";
import { badInput } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTx } from "../events/event-log.js";
import { ACTIVE_STATES, applyReleaseChange } from "../releases/release.service.js";
import { stepRelease } from "../domain/release.machine.js";
import { accepted } from "../domain/outcome.js";
import { stepStage } from "../domain/stage.machine.js";
import { applyStageSteps } from "../stages/stage.service.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";

const KINDS = new Set(["SERVICE", "JOB", "CRON"]);
const STATES = new Set(["PENDING", "STARTING", "RUNNING", "SCHEDULED", "COMPLETED", "STOPPING", "STOPPED", "SUSPENDED", "FAILED", "CRASHLOOP"]);
const HEALTHS = new Set(["HEALTHY", "UNHEALTHY", "UNKNOWN"]);

export interface ComponentReport {
  name: string;
  kind: string;
  state: string;
  health: string;
  observedAt?: Date | null;
  restarts: number;
  host?: string | null;
  message?: string | null;
  /** Lines of output written since the agent's last accepted report (the newest ones, when many). */
  logs?: string[] | null;
}

export interface StatusReport {
  stageId: string;
  /** null: nothing to run on the Stage (no active Release); only the generation is acknowledged. */
  releaseId?: string | null;
  observedGeneration: number;
  components: ComponentReport[];
}

/** Who sends a report: the agent's Outpost, and on a remote Outpost the socket's session. */
export interface ReportingAgent {
  outpost: string;
  session?: AgentSession;
}

type ApplyError = { component: string; message: string; at: string };

export class ComponentService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly announcer: OutpostAnnouncer,
    private readonly logFeed: LogFeed,
  ) {}

  /**
   * The Components of each Stage's active Release, by name. On an Outpost that is not ONLINE
   * nobody sees them now: health reads UNKNOWN, the last verdict stays in lastKnownHealth.
   */
  async listForStages(stageIds: readonly string[]): Promise<ComponentRow[][]> {
    const rows = await this.db
      .select({ component: components, outpostStatus: outposts.status })
      .from(components)
      .innerJoin(releases, eq(releases.id, components.releaseId))
      .innerJoin(stages, eq(stages.id, components.stageId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(and(inArray(components.stageId, [...stageIds]), inArray(releases.state, [...ACTIVE_STATES])))
      .orderBy(asc(components.name));
    const seen = rows.map(({ component, outpostStatus }) =>
      outpostStatus && outpostStatus !== "ONLINE" ? { ...component, health: "UNKNOWN", lastKnownHealth: component.health !== "UNKNOWN" ? component.health : component.lastKnownHealth } : component,
    );
    return stageIds.map((id) => seen.filter((c) => c.stageId === id));
  }

  async applyReport(report: StatusReport, agent: ReportingAgent): Promise<{ accepted: boolean; reason: string | null }> {
    report.components.forEach(checkComponent);
    const [owner] = await this.db.select({ projectId: stages.projectId }).from(stages).where(eq(stages.id, report.stageId));
    if (!owner) return { accepted: false, reason: "the Stage no longer exists" };
    let changedOutpost: string | null = null;
    let logged: string[] = [];
    return this.log.inProject({ id: owner.projectId, actor: `agent of ${agent.outpost}` }, async (ptx) => {
      const [stage] = await ptx.tx.select().from(stages).where(eq(stages.id, report.stageId)).for("update");
      if (!stage) return { accepted: false, reason: "the Stage no longer exists" };
      const refused = await refuseAgent(ptx, stage, agent);
      if (refused) return { accepted: false, reason: refused };
      if (report.observedGeneration < stage.generation) {
        return { accepted: false, reason: `generation ${report.observedGeneration} is older than the Stage's ${stage.generation}` };
      }
      if (!report.releaseId) return acknowledgeIdle(ptx, stage, report);
      const [release] = await ptx.tx.select().from(releases).where(eq(releases.id, report.releaseId)).for("update");
      if (!release || release.stageId !== stage.id || !(ACTIVE_STATES as readonly string[]).includes(release.state)) {
        return { accepted: false, reason: "that Release is not the Stage's active Release" };
      }
      logged = await this.storeComponents(ptx, stage, release, report.components);
      await moveRelease(ptx, stage, release, report.components);
      await moveStage(ptx, stage, report.components);
      const newErrors = await recordObserved(ptx, stage, report);
      if (newErrors.length && stage.outpostId) {
        await ptx.tx.insert(outpostHistory).values(
          newErrors.map((e) => ({ outpostId: stage.outpostId!, kind: "apply-error", message: `${ptx.project.slug}/${stage.slug} ${e.component}: ${e.message}` })),
        );
        changedOutpost = stage.outpostId;
      }
      return { accepted: true, reason: null };
    })
      .then((result) => {
        // Committed: followers of these Components' output read the new lines.
        if (result.accepted) for (const name of logged) this.logFeed.signal(report.stageId, name);
        return result;
      })
      .finally(() => {
        if (changedOutpost) void this.announcer.outpostChanged(changedOutpost).catch(() => undefined);
      });
  }

  /** Returns the names of the Components that brought new output lines. */
  private async storeComponents(ptx: ProjectTx, stage: StageRow, release: ReleaseRow, reported: ComponentReport[]): Promise<string[]> {
    const before = await ptx.tx.select().from(components).where(eq(components.releaseId, release.id));
    const logged: string[] = [];
    for (const c of reported) {
      const old = before.find((b) => b.name === c.name);
      const values = {
        kind: c.kind,
        state: c.state,
        health: c.health,
        lastKnownHealth: c.health !== "UNKNOWN" ? c.health : (old?.lastKnownHealth ?? null),
        observedAt: c.observedAt ?? null,
        restarts: c.restarts,
        host: c.host ?? null,
        message: c.message ?? null,
      };
      const logs = c.logs?.length ? [...(old?.logs ?? []), ...c.logs].slice(-COMPONENT_LOG_LINES) : (old?.logs ?? []);
      const logsTotal = (old?.logsTotal ?? 0) + (c.logs?.length ?? 0);
      if (c.logs?.length) logged.push(c.name);
      const changed = !old || (["state", "health", "restarts", "message", "host"] as const).some((k) => old[k] !== values[k]);
      if (!changed) {
        // Output alone is no change of state: stored, but no event (logs are read, not watched).
        const set = c.logs?.length ? { observedAt: values.observedAt, logs, logsTotal } : { observedAt: values.observedAt };
        await ptx.tx.update(components).set(set).where(and(eq(components.releaseId, release.id), eq(components.name, c.name)));
        continue;
      }
      const [row] = await ptx.tx
        .insert(components)
        .values({ releaseId: release.id, stageId: stage.id, name: c.name, ...values, logs, logsTotal })
        .onConflictDoUpdate({ target: [components.releaseId, components.name], set: { ...values, logs, logsTotal, updatedAt: new Date() } })
        .returning();
      const { logs: _logs, logsTotal: _total, ...snapshot } = row!;
      ptx.emit({
        kind: EventKind.COMPONENT_CHANGED,
        stageId: stage.id,
        payload: { stage: toStageSnapshot(stage), component: { ...snapshot, observedAt: snapshot.observedAt?.toISOString() ?? null, updatedAt: snapshot.updatedAt.toISOString() } },
      });
    }
    return logged;
  }
}

/** "Nothing runs here": true only when the Stage has no active Release; the link is then in sync. */
async function acknowledgeIdle(ptx: ProjectTx, stage: StageRow, report: StatusReport) {
  const [active] = await ptx.tx
    .select({ id: releases.id })
    .from(releases)
    .where(and(eq(releases.stageId, stage.id), inArray(releases.state, [...ACTIVE_STATES])));
  if (active) return { accepted: false, reason: "the Stage has a Release to run" };
  await recordObserved(ptx, stage, { ...report, components: [] });
  return { accepted: true, reason: null };
}

/** Why this agent may not report for this Stage, if it may not. */
async function refuseAgent(ptx: ProjectTx, stage: StageRow, agent: ReportingAgent): Promise<string | null> {
  if (agent.outpost === LOCAL_OUTPOST) return stage.outpostId ? "that Stage is not on this agent's Outpost" : null;
  if (!agent.session) return "an Outpost's agent reports over its socket";
  if (stage.outpostId !== agent.session.outpostId) return "that Stage is not on this agent's Outpost";
  const [outpost] = await ptx.tx.select({ session: outposts.session }).from(outposts).where(eq(outposts.id, stage.outpostId));
  if (outpost?.session !== agent.session.epoch) return "superseded: another agent connected with this Outpost's token";
  return null;
}

/**
 * Keeps the generation the agent applied and what it could not apply; on an Outpost, a change
 * of either is an OUTPOST_LINK_CHANGED event. Returns the errors that are new.
 */
async function recordObserved(ptx: ProjectTx, stage: StageRow, report: StatusReport): Promise<ApplyError[]> {
  const before = (stage.applyErrors ?? []) as ApplyError[];
  const at = new Date().toISOString();
  const errors: ApplyError[] = report.components
    .filter((c) => c.state === "FAILED")
    .map((c) => ({ component: c.name, message: c.message ?? "failed", at: before.find((b) => b.component === c.name && b.message === c.message)?.at ?? at }));
  const same = errors.length === before.length && errors.every((e, i) => e.component === before[i]!.component && e.message === before[i]!.message);
  if (same && stage.observedGeneration === report.observedGeneration) return [];
  const [updated] = await ptx.tx
    .update(stages)
    .set({ observedGeneration: report.observedGeneration, applyErrors: errors })
    .where(eq(stages.id, stage.id))
    .returning();
  if (stage.outpostId) {
    const [row] = await ptx.tx.select().from(outposts).where(eq(outposts.id, stage.outpostId));
    const [view] = row ? await getOutpostViews(ptx.tx, [row]) : [];
    if (view) emitLinkChanged(ptx, updated!, view);
  }
  return errors.filter((e) => !before.some((b) => b.component === e.component && b.message === e.message));
}

async function moveRelease(ptx: ProjectTx, stage: StageRow, release: ReleaseRow, reported: ComponentReport[]) {
  await applyReleaseChange(ptx, stage, release, accepted(stepRelease(release, { kind: "report", stage: stage.state, components: reported })));
}

async function moveStage(ptx: ProjectTx, stage: StageRow, reported: ComponentReport[]) {
  const { events } = accepted(stepStage(stage, { kind: "report", components: reported }));
  await applyStageSteps(ptx, stage, events);
}

function checkComponent(c: ComponentReport, i: number): void {
  if (!KINDS.has(c.kind)) throw badInput(`components[${i}].kind`, `"${c.kind}" is not SERVICE, JOB or CRON`);
  if (!STATES.has(c.state)) throw badInput(`components[${i}].state`, `"${c.state}" is not a Component state`);
  if (!HEALTHS.has(c.health)) throw badInput(`components[${i}].health`, `"${c.health}" is not HEALTHY, UNHEALTHY or UNKNOWN`);
  if (!Number.isInteger(c.restarts) || c.restarts < 0) throw badInput(`components[${i}].restarts`, "must be a whole number ≥ 0");
  if ((c.message?.length ?? 0) > 4000) throw badInput(`components[${i}].message`, "at most 4000 characters");
  if ((c.logs?.length ?? 0) > COMPONENT_LOG_LINES) throw badInput(`components[${i}].logs`, `at most ${COMPONENT_LOG_LINES} lines`);
}
