/**
 * `projects` live: the Projects the caller may see as they are now, then the whole list again
 * whenever one appears (so there is no gap between a list and a watch). Project creation
 * commits the Project's first event, so the event bus's commit signal (in this process, and
 * through NOTIFY from other replicas) says when to look: a Project this stream has not seen is new.
 */
import type { ProjectRow } from "@pergola/db/schema";
import { Repeater } from "@repeaterjs/repeater";
import type { Actor } from "../auth/token.service.js";
import { Signals } from "../common/signals.js";
import type { EventBus } from "../events/event-bus.js";
import type { ProjectService } from "./project.service.js";

/** What the stream reads and listens to (the server's services). */
export interface ProjectListSources {
  projects: Pick<ProjectService, "listProjects" | "listByIds" | "maySee">;
  bus: Pick<EventBus, "onCommit">;
}

export function streamProjects(services: ProjectListSources, actor: Actor) {
  return new Repeater<ProjectRow[]>(async (push, stop) => {
    // Listen before listing: a Project created in between is then either listed or signalled.
    const signals = new Signals<string>(stop);
    const unlisten = services.bus.onCommit((commit) => signals.add(commit.projectId));
    try {
      const listed = await services.projects.listProjects(actor);
      const known = new Set(listed.map((p) => p.id));
      await push(listed);
      for (let committed = await signals.next(); committed; committed = await signals.next()) {
        const fresh = [...committed].filter((id) => !known.has(id));
        if (fresh.length === 0) continue;
        let added = false;
        for (const row of await services.projects.listByIds(fresh)) {
          known.add(row.id);
          if (await services.projects.maySee(actor, row)) added = true;
        }
        if (added) await push(await services.projects.listProjects(actor));
      }
    } finally {
      unlisten();
    }
  });
}
