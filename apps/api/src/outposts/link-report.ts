/**
 * The I/O around domain/outpost-link.machine.ts for an agent's report: the link's facts as the
 * machine needs them, and what it decided, written (the Stage's observed generation and apply
 * errors, the OUTPOST_LINK_CHANGED event, the Outpost's "apply-error" history).
 */
import { outpostHistory, outposts, stages, type StageRow } from "@pergola/db/schema";
import type { OutpostHistoryText } from "@pergola/schema";
import { eq } from "drizzle-orm";
import type { LinkFacts, LinkOutcome, ApplyError } from "../domain/outpost-link.machine.js";
import type { ProjectTx } from "../events/event-log.js";
import { emitLinkChanged } from "./outpost-announcer.js";
import { getOutpostViews } from "./outpost-views.js";

/** The Stage's link; on an Outpost, with the epoch of the agent session it holds now. */
export async function getLinkFacts({ tx }: Pick<ProjectTx, "tx">, stage: StageRow): Promise<LinkFacts> {
  const [outpost] = stage.outpostId
    ? await tx.select({ session: outposts.session }).from(outposts).where(eq(outposts.id, stage.outpostId))
    : [];
  return {
    outpostId: stage.outpostId,
    outpostSession: outpost?.session ?? null,
    generation: stage.generation,
    observedGeneration: stage.observedGeneration,
    applyErrors: (stage.applyErrors ?? []) as ApplyError[],
  };
}

/** Writes an accepted report's link outcome. Returns the Outpost whose history grew, if one did. */
export async function applyLinkOutcome(
  ptx: ProjectTx,
  stage: StageRow,
  outcome: Exclude<LinkOutcome, { refused: unknown }>,
): Promise<string | null> {
  if (!outcome.changed) return null;
  const [updated] = await ptx.tx.update(stages).set(outcome.next).where(eq(stages.id, stage.id)).returning();
  const history: { outpostId: string; kind: OutpostHistoryText; message: string }[] = [];
  for (const event of outcome.events) {
    if (event.kind === "APPLY_ERROR") {
      history.push({
        outpostId: stage.outpostId!,
        kind: "apply-error",
        message: `${ptx.project.slug}/${stage.slug} ${event.component}: ${event.message}`,
      });
    } else {
      const [row] = await ptx.tx.select().from(outposts).where(eq(outposts.id, stage.outpostId!));
      const [view] = row ? await getOutpostViews(ptx.tx, [row]) : [];
      if (view) emitLinkChanged(ptx, updated!, view);
    }
  }
  if (history.length === 0) return null;
  await ptx.tx.insert(outpostHistory).values(history);
  return stage.outpostId;
}
