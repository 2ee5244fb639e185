/**
 * Agents' reports, applied: each report is checked and, under the Project and Stage locks, handed
 * to the machines in domain/ — the OutpostLink's (may this agent report, for this generation?),
 * the Release's, the Components' and the Stage's — whose decisions are written with their events
 * in one transaction. A report for an old generation, for a Release that is no longer the Stage's,
 * for a Stage of another Outpost, or from a superseded agent session, is refused.
 *
 * A report may also say when the agent's links gateway last served the Stage (`lastTrafficAt`).
 * That is a fact about traffic, not about the generation: it is passed on (`onTraffic`, the
 * auto-suspend's) after the transaction whenever the agent may report for the Stage at all — its
 * Outpost's agent, of the newest session — even when the report itself is refused as stale.
 */
import type { Db } from "@pergola/db/client";
import {
  builds,
  COMPONENT_LOG_LINES,
  components,
  outposts,
  releases,
  stages,
  type ComponentRow,
  type ReleaseRow,
  type StageRow,
} from "@pergola/db/schema";
import { LOCAL_OUTPOST } from "@pergola/schema";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import {
  checkComponent,
  checkComponentNames,
  componentAsSeen,
  stepComponent,
  type ObservedComponent,
} from "../domain/component.machine.js";
import { accepted, isRefused, toAppError } from "../domain/outcome.js";
import { admitAgent, hasReleaseFailure, stepLink, type LinkFacts } from "../domain/outpost-link.machine.js";
import { stepRelease } from "../domain/release.machine.js";
import { stepStage } from "../domain/stage.machine.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTx } from "../events/event-log.js";
import { applyLinkOutcome, getLinkFacts } from "../outposts/link-report.js";
import type { OutpostAnnouncer } from "../outposts/outpost-announcer.js";
import type { AgentSession } from "../outposts/outpost-sessions.js";
import { isUuid } from "../node/global-id.js";
import { hasActiveRelease, isCurrentRelease, isServingRelease } from "../releases/release.conditions.js";
import { applyReleaseChange } from "../releases/release.service.js";
import { applyStageSteps } from "../stages/stage.service.js";
import { listStopped } from "./component-control.service.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import type { LogFeed } from "./log-feed.js";
import { groupInOrder } from "../common/in-order.js";

export type ComponentReport = ObservedComponent;

export interface StatusReport {
  stageId: string;
  /** null: nothing to run on the Stage (no active Release); only the generation is acknowledged. */
  releaseId?: string | null;
  observedGeneration: number;
  components: ComponentReport[];
  /** When the agent's gateway last forwarded a request to the Stage (an Outpost's agent); absent: no news. */
  lastTrafficAt?: Date | null;
}

/** Who sends a report: the agent's Outpost, and on a remote Outpost the socket's session. */
export interface ReportingAgent {
  outpost: string;
  session?: AgentSession;
}

type ReportAnswer = { accepted: boolean; reason: string | null };
const ok: ReportAnswer = { accepted: true, reason: null };
const no = (reason: string): ReportAnswer => ({ accepted: false, reason });

export class ComponentService {
  /** Told, after the report's transaction, when an admitted agent's gateway last served a Stage. */
  onTraffic?: (stageId: string, at: Date) => void;

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly announcer: OutpostAnnouncer,
    private readonly logFeed: LogFeed,
    /** Told how long each Release this process saw turn DEPLOYED took from its creation. */
    private readonly onDeployed: (seconds: number) => void = () => {},
  ) {}

  /**
   * The Components of each Stage's current Release (during a rollout, the new one's) or, with
   * `serving`, of the Release serving it (during a rollout, the old one's), by name, as a reader
   * sees them (componentAsSeen).
   */
  async listForStages(stageIds: readonly string[], which: "current" | "serving" = "current"): Promise<ComponentRow[][]> {
    const rows = await this.db
      .select({ component: components, outpostStatus: outposts.status })
      .from(components)
      .innerJoin(releases, eq(releases.id, components.releaseId))
      .innerJoin(stages, eq(stages.id, components.stageId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(and(inArray(components.stageId, [...stageIds]), which === "serving" ? isServingRelease : isCurrentRelease))
      .orderBy(asc(components.name));
    const seen = rows.map(({ component, outpostStatus }) => componentAsSeen(component, outpostStatus));
    return groupInOrder(stageIds, seen, (c) => c.stageId);
  }

  /** The Component `name` of the Stage's current Release, as stored (its output included). */
  async findActive(stageId: string, name: string): Promise<ComponentRow | null> {
    const [row] = await this.db
      .select({ component: components })
      .from(components)
      .innerJoin(releases, eq(releases.id, components.releaseId))
      .where(and(eq(components.stageId, stageId), eq(components.name, name), isCurrentRelease));
    return row?.component ?? null;
  }

  /** Each machine is called before anything is written; the first refusal ends the report. */
  async applyReport(report: StatusReport, agent: ReportingAgent): Promise<ReportAnswer> {
    const malformed =
      report.components.map((c, i) => checkComponent(c, i, COMPONENT_LOG_LINES)).find(Boolean) ?? checkComponentNames(report.components);
    if (malformed) throw toAppError(malformed);
    // IDs are UUIDs: anything else names no row, and must not reach the database as one.
    if (!isUuid(report.stageId)) return no("no Stage has this ID");
    if (report.releaseId && !isUuid(report.releaseId)) return no("that Release is not the Stage's active Release");
    const [owner] = await this.db.select({ projectId: stages.projectId }).from(stages).where(eq(stages.id, report.stageId));
    if (!owner) return no("the Stage no longer exists");
    const effects = {
      logged: [] as string[],
      outpost: null as string | null,
      deployedAfter: null as number | null,
      trafficAt: null as Date | null,
    };
    return this.log
      .inProject(
        { id: owner.projectId, actor: `agent of ${agent.outpost}` },
        async (ptx) => {
          const [stage] = await ptx.tx.select().from(stages).where(eq(stages.id, report.stageId)).for("update");
          if (!stage) return no("the Stage no longer exists");
          const reported = report.releaseId ? report.components : [];
          const linkAgent =
            agent.outpost === LOCAL_OUTPOST ? ({ local: true } as const) : { local: false as const, session: agent.session };
          const linkFacts = await getLinkFacts(ptx, stage);
          // Traffic is news whatever the generation: kept if this agent may speak for the Stage at all.
          const trafficAt = report.lastTrafficAt;
          effects.trafficAt = trafficAt && !Number.isNaN(trafficAt.getTime()) && !admitAgent(linkFacts, linkAgent) ? trafficAt : null;
          const linkReport = {
            kind: "report",
            agent: linkAgent,
            observedGeneration: report.observedGeneration,
            components: reported,
          } as const;
          // Asked first whether the agent may report at all; answered again below with what the report did to the Release.
          const stepLinkWith = (failedRelease: ReleaseRow | null) => {
            const outcome = stepLink(linkFacts, { ...linkReport, failedRelease, now: new Date() });
            if (isRefused(outcome)) throw toAppError(outcome.refused);
            return outcome;
          };
          const admitted = stepLink(linkFacts, { ...linkReport, now: new Date() });
          if (isRefused(admitted)) return no(admitted.refused.message);
          if (!report.releaseId) {
            const link = stepLinkWith(await knownFailure(ptx, stage, linkFacts));
            // "Nothing runs here" is true only when the Stage has no active Release.
            if (await hasActiveRelease(ptx.tx, stage.id)) return no("the Stage has a Release to run");
            await applyLinkOutcome(ptx, stage, link);
            return ok;
          }
          const [release] = await ptx.tx.select().from(releases).where(eq(releases.id, report.releaseId)).for("update");
          if (!release || release.stageId !== stage.id) return no("that Release is not the Stage's active Release");
          const stray = checkComponentNames(reported, await getManifestComponentNames(ptx, release));
          if (stray) throw toAppError(stray);
          const moved = stepRelease(release, { kind: "report", stage: stage.state, components: reported });
          if (isRefused(moved)) return no(moved.refused.message);
          effects.logged = await storeComponents(ptx, stage, release, reported);
          const written = await applyReleaseChange(ptx, stage, release, moved);
          if (written.state === "DEPLOYED" && release.state !== "DEPLOYED") {
            effects.deployedAfter = (Date.now() - new Date(release.createdAt).getTime()) / 1000;
          }
          await applyStageSteps(
            ptx,
            stage,
            accepted(stepStage(stage, { kind: "report", components: reported, stopped: listStopped(release.componentControl) })).events,
          );
          const failedRelease = written.state === "FAILED" ? written : await knownFailure(ptx, stage, linkFacts);
          const link = stepLinkWith(failedRelease);
          effects.outpost = await applyLinkOutcome(ptx, stage, link);
          return ok;
        },
        { lock: "last" },
      )
      .then((answer) => {
        // Committed: followers of these Components' output read the new lines.
        if (answer.accepted) for (const name of effects.logged) this.logFeed.signal(report.stageId, name);
        if (answer.accepted && effects.deployedAfter !== null) this.onDeployed(effects.deployedAfter);
        if (effects.trafficAt) this.onTraffic?.(report.stageId, effects.trafficAt);
        return answer;
      })
      .finally(() => {
        if (effects.outpost) void this.announcer.outpostChanged(effects.outpost).catch(() => undefined);
      });
  }
}

/** Writes what the Component machine decided for each reported Component; returns those with new output. */
async function storeComponents(
  ptx: ProjectTx,
  stage: StageRow,
  release: ReleaseRow,
  reported: readonly ComponentReport[],
): Promise<string[]> {
  const before = await ptx.tx.select().from(components).where(eq(components.releaseId, release.id));
  const logged: string[] = [];
  for (const c of reported) {
    const old = before.find((b) => b.name === c.name) ?? null;
    const { next, events } = accepted(stepComponent(old && { ...old, logs: old.logs ?? [] }, c, COMPONENT_LOG_LINES));
    const output = events.some((e) => e.kind === "OUTPUT");
    if (output) logged.push(c.name);
    if (!events.some((e) => e.kind === EventKind.COMPONENT_CHANGED)) {
      // Output alone is no change of state: stored, but no event (logs are read, not watched).
      const set = output ? { observedAt: next.observedAt, logs: next.logs, logsTotal: next.logsTotal } : { observedAt: next.observedAt };
      await ptx.tx
        .update(components)
        .set(set)
        .where(and(eq(components.releaseId, release.id), eq(components.name, c.name)));
      continue;
    }
    const [row] = await ptx.tx
      .insert(components)
      .values({ releaseId: release.id, stageId: stage.id, name: c.name, ...next })
      .onConflictDoUpdate({ target: [components.releaseId, components.name], set: { ...next, updatedAt: new Date() } })
      .returning();
    const { logs: _logs, logsTotal: _total, ...snapshot } = row!;
    ptx.emit({
      kind: EventKind.COMPONENT_CHANGED,
      stageId: stage.id,
      payload: {
        stage: toStageSnapshot(stage),
        // When its health moved (or it is new: null), what it moved from; the health feed tells those.
        ...(!old ? { previousHealth: null } : old.health !== row!.health ? { previousHealth: old.health } : {}),
        component: { ...snapshot, observedAt: snapshot.observedAt?.toISOString() ?? null, updatedAt: snapshot.updatedAt.toISOString() },
      },
    });
  }
  return logged;
}

/**
 * The Stage's newest Release, if it FAILED and the link already says so. A Release fails only
 * through a report, which records it in the link's errors: without such an error there is
 * nothing to look up (no query on the report's ordinary path).
 */
async function knownFailure({ tx }: Pick<ProjectTx, "tx">, stage: StageRow, link: LinkFacts): Promise<ReleaseRow | null> {
  if (!hasReleaseFailure(link.applyErrors)) return null;
  const [newest] = await tx.select().from(releases).where(eq(releases.stageId, stage.id)).orderBy(desc(releases.number)).limit(1);
  return newest?.state === "FAILED" ? newest : null;
}

/** The names of the Components the Release's manifest declares (validated when its Build was made). */
async function getManifestComponentNames({ tx }: ProjectTx, release: ReleaseRow): Promise<string[]> {
  const [build] = await tx.select({ manifest: builds.manifest }).from(builds).where(eq(builds.id, release.buildId));
  const manifest = build?.manifest as { components?: { name: string }[] } | undefined;
  return manifest?.components?.map((c) => c.name) ?? [];
}
