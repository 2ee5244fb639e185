/**
 * What a commit in a Project touched, as its announcement tells it: the Stages its events name,
 * and the Outposts the Stage snapshots in them place those Stages on. Readers that span Projects
 * (an agent's desired state) wake only for what concerns them. The announcement crosses API
 * replicas as the NOTIFY payload `<projectId>:<seq>:<stageIds>:<outposts>` (comma-separated;
 * `local` for the built-in Outpost); without the last two parts, or past NOTIFY's size limit,
 * nothing is known and every reader of the Project wakes, as a plain wake-up always did.
 */
import { LOCAL_OUTPOST } from "@pergola/schema";

export interface CommitTouched {
  /** Stage ids named by the commit's events. */
  stages: ReadonlySet<string>;
  /** The Outposts (ids; null: the local one) that the Stage snapshots in its events are on. */
  outposts: ReadonlySet<string | null>;
}

export interface Commit {
  projectId: string;
  /** Undefined: not known (a wake-up after a lost connection, a long announcement); assume anything changed. */
  touched?: CommitTouched;
}

/** What a commit's events touch: every event names its Stage, and a Stage snapshot (`payload.stage`) where it has one. */
export function touchedBy(events: readonly { stageId?: string | null; payload: unknown }[]): CommitTouched {
  const stages = new Set<string>();
  const outposts = new Set<string | null>();
  for (const event of events) {
    if (event.stageId) stages.add(event.stageId);
    const snapshot = (event.payload as { stage?: { outpostId?: string | null } } | null)?.stage;
    if (snapshot && "outpostId" in snapshot) outposts.add(snapshot.outpostId ?? null);
  }
  return { stages, outposts };
}

/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_NOTICE = 7_900;

export function formatCommitNotice(projectId: string, seq: bigint, touched: CommitTouched): string {
  return `${projectId}:${seq}${commitNoticeTail(projectId, touched)}`;
}

/**
 * What follows `<projectId>:<seq>` in the notice: `:<stageIds>:<outposts>`, or nothing when the
 * notice could pass the size limit with any seq (the event log writes the seq in SQL).
 */
export function commitNoticeTail(projectId: string, touched: CommitTouched): string {
  const outposts = [...touched.outposts].map((id) => id ?? LOCAL_OUTPOST);
  const tail = `:${[...touched.stages].join(",")}:${outposts.join(",")}`;
  const longestHead = projectId.length + 1 + String(2n ** 63n).length;
  return longestHead + tail.length <= MAX_NOTICE ? tail : "";
}

export function parseCommitNotice(payload: string): (Commit & { seq: bigint }) | undefined {
  const [projectId, seq, stages, outposts] = payload.split(":");
  if (!projectId || !seq || !/^\d+$/.test(seq)) return undefined;
  const commit: Commit & { seq: bigint } = { projectId, seq: BigInt(seq) };
  if (stages !== undefined && outposts !== undefined) {
    commit.touched = {
      stages: new Set(stages ? stages.split(",") : []),
      outposts: new Set(outposts ? outposts.split(",").map((id) => (id === LOCAL_OUTPOST ? null : id)) : []),
    };
  }
  return commit;
}
