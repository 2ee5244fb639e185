/**
 * restartComponent, stopComponent, startComponent and runJob: domain/component-control.machine.ts
 * decides; this loads and locks (the Stage row, then its current Release), writes the request on
 * the Release (`component_control`), raises the Stage's generation so that its agent reads the
 * desired state again, and appends COMPONENT_CONTROLLED — one transaction. The Component itself
 * moves when the agent reports what it did (COMPONENT_CHANGED).
 */
import { builds, components, releases, stages, type ComponentControls, type ComponentRow } from "@pergola/db/schema";
import { type ComponentCommand, type ComponentKind, ROLLING_RELEASE_STATES, isOneOf } from "@pergola/schema";
import { and, eq, sql } from "drizzle-orm";
import { isActiveRelease } from "../releases/release.conditions.js";
import { validateManifest } from "../builds/manifest.js";
import { controlComponent } from "../domain/component-control.machine.js";
import { accepted } from "../domain/outcome.js";
import type { EventLog, ProjectTarget, ProjectTx } from "../events/event-log.js";
import { lockStage } from "../stages/stage.service.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";

/** The services people stopped in a Release: they stay STOPPED until started or a new Release. */
export function listStopped(control: ComponentControls): string[] {
  return Object.entries(control).flatMap(([name, c]) => (c.stopped ? [name] : []));
}

export class ComponentControlService {
  constructor(private readonly log: EventLog) {}

  /** The Component as stored (its agent has not acted yet); refusals as the machine words them. */
  controlComponent(project: ProjectTarget, stageSlug: string, name: string, command: ComponentCommand): Promise<ComponentRow> {
    return this.log.inProject(
      project,
      async (ptx) => {
        // Lock order: the Stage row, then its Releases (as deployRelease), then the Project row last.
        const stage = await lockStage(ptx, stageSlug);
        const release = await lockCurrentRelease(ptx, stage.id);
        const declared = release ? await findDeclared(ptx, release.buildId, name) : null;
        const [row] = release
          ? await ptx.tx
              .select()
              .from(components)
              .where(and(eq(components.releaseId, release.id), eq(components.name, name)))
          : [];
        const control = release?.componentControl ?? {};
        const { next, events } = accepted(
          controlComponent({ stage, release, declared, reportedState: row?.state ?? null, control: control[name] ?? {} }, command, name),
        );
        await ptx.tx
          .update(releases)
          .set({ componentControl: { ...control, [name]: next } })
          .where(eq(releases.id, release!.id));
        // What should run changed: a new generation, which the agent applies (ADR 0002).
        const [bumped] = await ptx.tx
          .update(stages)
          .set({ generation: sql`${stages.generation} + 1` })
          .where(eq(stages.id, stage.id))
          .returning();
        const { logs: _logs, logsTotal: _total, ...snapshot } = row!;
        for (const event of events) {
          ptx.emit({
            kind: event.kind,
            stageId: stage.id,
            payload: {
              stage: toStageSnapshot(bumped!),
              command: event.command,
              component: {
                ...snapshot,
                observedAt: snapshot.observedAt?.toISOString() ?? null,
                updatedAt: snapshot.updatedAt.toISOString(),
              },
            },
          });
        }
        return row!;
      },
      { lock: "last" },
    );
  }
}

/** The Stage's current Release, locked: the one on its way if there is one, else the DEPLOYED one. */
async function lockCurrentRelease({ tx }: ProjectTx, stageId: string) {
  const rows = await tx
    .select()
    .from(releases)
    .where(and(eq(releases.stageId, stageId), isActiveRelease))
    .for("update");
  return rows.find((r) => isOneOf(ROLLING_RELEASE_STATES, r.state)) ?? rows.find((r) => r.state === "DEPLOYED") ?? null;
}

/** The Component as the Release's manifest declares it (validated when its Build was made). */
async function findDeclared({ tx }: ProjectTx, buildId: string, name: string): Promise<{ name: string; kind: ComponentKind } | null> {
  const [build] = await tx.select({ manifest: builds.manifest }).from(builds).where(eq(builds.id, buildId));
  const result = await validateManifest(build?.manifest);
  const found = result.valid ? result.manifest.components.find((c) => c.name === name) : undefined;
  return found ? { name, kind: found.kind } : null;
}
