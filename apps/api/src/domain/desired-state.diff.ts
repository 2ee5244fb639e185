/**
 * What an agent must be told after a commit in a Project: the Stages whose generation moved
 * since it was last sent them (new Stages included), and the Stages it was sent that the
 * Project no longer places on its Outpost. A Stage's generation grows with every change of
 * what should run on it, so an equal generation means nothing to send.
 */

/** The identity and generation of a Stage in an Outpost's desired state. */
export interface DesiredStageKey {
  stageId: string;
  projectId: string;
  generation: number;
}

/** What the agent was last sent of a Stage, by Stage id. */
export type SentStages = ReadonlyMap<string, Omit<DesiredStageKey, "stageId">>;

export interface DesiredStateDiff<S> {
  changed: S[];
  /** Stage ids. */
  removed: string[];
}

/** `now`: the Project's Stages on the Outpost as they are. Stages of other Projects are left alone. */
export function diffDesiredState<S extends DesiredStageKey>(sent: SentStages, projectId: string, now: readonly S[]): DesiredStateDiff<S> {
  const changed = now.filter((stage) => sent.get(stage.stageId)?.generation !== stage.generation);
  const removed = [...sent]
    .filter(([stageId, seen]) => seen.projectId === projectId && !now.some((s) => s.stageId === stageId))
    .map(([stageId]) => stageId);
  return { changed, removed };
}
