/**
 * `outpostChanged`: the Outpost as it is, then again after every change. The announcer's signal
 * carries no data (outpost-announcer.ts); the stream reads the Outpost again, so a burst of
 * changes costs one read. It ends when the Outpost is deleted.
 */
import { Repeater } from "@repeaterjs/repeater";
import type { Actor } from "../auth/actor.js";
import { Signals } from "../common/signals.js";
import { notFound } from "../errors.js";
import type { OutpostAnnouncer } from "./outpost-announcer.js";
import type { OutpostService } from "./outpost.service.js";
import type { OutpostView } from "./outpost-views.js";

/** What the stream reads and listens to (the server's services). */
export interface OutpostSources {
  outposts: Pick<OutpostService, "getOutpost" | "listByIds">;
  outpostAnnouncer: Pick<OutpostAnnouncer, "watch">;
}

/** NOT_FOUND, before the stream starts, when the caller may not see the Outpost or there is none. */
export async function streamOutpost(sources: OutpostSources, actor: Actor, slug: string): Promise<AsyncIterable<OutpostView>> {
  const outpost = await sources.outposts.getOutpost(actor, slug);
  if (!outpost) throw notFound(`Outpost "${slug}"`);
  return follow(sources, outpost.id);
}

function follow(sources: OutpostSources, outpostId: string) {
  return new Repeater<OutpostView>(async (push, stop) => {
    const signals = new Signals(stop);
    const unwatch = sources.outpostAnnouncer.watch(outpostId, () => signals.add(true));
    signals.add(true);
    try {
      while (await signals.next()) {
        const [now] = await sources.outposts.listByIds([outpostId]);
        if (!now) break;
        await push(now);
      }
    } finally {
      unwatch();
    }
    stop();
  });
}
