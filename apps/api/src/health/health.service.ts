/** The fleet-wide health feed's sources, as the server holds them (health-feed.ts does the work). */
import type { Db } from "@pergola/db/client";
import type { Actor } from "../auth/actor.js";
import type { EventBus } from "../events/event-bus.js";
import type { ProjectService } from "../projects/project.service.js";
import { streamHealth } from "./health-feed.js";
import type { HealthEvent } from "./health.type.js";

export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly bus: EventBus,
  ) {}

  /** `healthChanged`: a SNAPSHOT of every Stage `actor` may see, then each change. */
  streamHealth(actor: Actor): AsyncIterable<HealthEvent> {
    return streamHealth({ db: this.db, projects: this.projects, bus: this.bus }, actor);
  }
}
