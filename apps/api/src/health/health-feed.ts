/**
 * The fleet-wide health feed (`healthChanged`): one subscription for every Stage the caller may
 * see, in every Project. It starts with a SNAPSHOT read in one statement — each Project's Stages
 * with the Project's event seq at that instant — and then follows each Project's event log
 * right after that seq (event-stream.ts), so nothing between the picture and the first change
 * is lost or told twice. Projects that appear later (the commit signal names them) join with a
 * STAGE_ADDED per Stage. Each change comes with the Stage as it is after it. A client that
 * reconnects subscribes again and gets a new SNAPSHOT: it never misses a state, whatever it
 * missed while away. A consumer that falls too far behind is ended with an error, to resubscribe.
 */
import type { Db } from "@pergola/db/client";
import { outposts, projects, stages, type EventRow, type ProjectRow, type StageRow } from "@pergola/db/schema";
import { FixedBuffer, Repeater } from "@repeaterjs/repeater";
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { linkStatus } from "../domain/outpost-link.machine.js";
import { EventKind } from "../events/event-kind.js";
import type { EventBus } from "../events/event-bus.js";
import type { Listening } from "../events/event-stream.js";
import type { ProjectService } from "../projects/project.service.js";
import { type StageSnapshot, fromStageSnapshot } from "../stages/stage.snapshot.js";
import type { ComponentHealth, HealthEvent, HealthEventKind, StageHealth } from "./health.type.js";

/** Events a subscriber may leave unread before the feed ends it (it resubscribes and gets a new SNAPSHOT). */
const MAX_UNREAD = 20_000;

const FOLLOWED: ReadonlySet<string> = new Set([
  EventKind.STAGE_CREATED,
  EventKind.STAGE_UPDATED,
  EventKind.STAGE_DELETED,
  EventKind.STAGE_RESTORED,
  EventKind.STAGE_STATE_CHANGED,
  EventKind.STAGE_HEALTH_CHANGED,
  EventKind.COMPONENT_CHANGED,
  EventKind.OUTPOST_LINK_CHANGED,
]);

export interface HealthFeedSources {
  db: Db;
  projects: Pick<ProjectService, "listProjects" | "listByIds" | "maySee">;
  bus: Pick<EventBus, "subscribe" | "onCommit">;
}

/** A Project's Stages, read with the Project's seq in one statement. */
interface ProjectPicture {
  project: Pick<ProjectRow, "id" | "slug" | "seq">;
  stages: { stage: StageRow; outpostSlug: string | null; outpostStatus: string | null }[];
}

export function streamHealth(sources: HealthFeedSources, actor: Actor): AsyncIterable<HealthEvent> {
  return new Repeater<HealthEvent>(async (push, stop) => {
    const feed = new HealthFeed(sources, actor, (event) => {
      push(event).catch((error: unknown) => stop(error));
    });
    // Listening before the Projects are listed: one created in between is listed or signalled.
    const unlisten = sources.bus.onCommit((commit) => feed.committed(commit.projectId));
    feed.start();
    try {
      await Promise.race([stop, feed.failure]);
    } catch (error) {
      stop(error);
    } finally {
      unlisten();
      feed.close();
    }
  }, new FixedBuffer(MAX_UNREAD));
}

class HealthFeed {
  /** Every Stage followed, by id, as it is after the last event told. */
  private readonly views = new Map<string, StageHealth>();
  private readonly outpostSlugs = new Map<string, string>();
  /** Projects looked at: followed ones with their streams, the others (not visible) with none. */
  private readonly known = new Map<string, Listening | null>();
  /** Rows and new Projects, handled one after another (some handling reads the database). */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private fail: (error: unknown) => void = () => undefined;
  /** Rejects when the feed cannot go on (a Project's stream failed, a read failed). */
  readonly failure = new Promise<never>((_, reject) => (this.fail = reject));

  constructor(
    private readonly sources: HealthFeedSources,
    private readonly actor: Actor,
    private readonly send: (event: HealthEvent) => void,
  ) {}

  /** Sends the SNAPSHOT and follows every Project in it, before anything else the feed does. */
  start(): void {
    this.enqueue(async () => {
      const visible = await this.sources.projects.listProjects(this.actor);
      const pictures = await this.readPictures(visible.map((p) => p.id));
      const snapshot = pictures.flatMap((picture) => picture.stages.map((s) => this.remember(picture.project.slug, s)));
      this.send({ kind: "SNAPSHOT", at: new Date(), stages: snapshot, component: null });
      for (const picture of pictures) this.follow(picture.project);
    });
  }

  /** A commit in some Project: one not seen before may be new, and visible. */
  committed(projectId: string): void {
    if (this.known.has(projectId) || this.closed) return;
    this.known.set(projectId, null);
    this.enqueue(() => this.join(projectId));
  }

  close(): void {
    this.closed = true;
    for (const listening of this.known.values()) listening?.close();
  }

  private async join(projectId: string): Promise<void> {
    if (this.known.get(projectId)) return; // in the SNAPSHOT after all
    const [row] = await this.sources.projects.listByIds([projectId]);
    if (!row || !(await this.sources.projects.maySee(this.actor, row))) return;
    const [picture] = await this.readPictures([projectId]);
    if (!picture || this.closed) return;
    for (const s of picture.stages) this.emit("STAGE_ADDED", new Date(), this.remember(picture.project.slug, s));
    this.follow(picture.project);
  }

  private follow(project: ProjectPicture["project"]): void {
    if (this.closed) return;
    const listening = this.sources.bus
      .subscribe(project.id, project.seq, (row) => FOLLOWED.has(row.kind))
      .listen({
        receive: (row) => this.enqueue(() => this.handle(project.slug, row)),
        error: (error) => this.fail(error),
      });
    this.known.set(project.id, listening);
  }

  private enqueue(work: () => Promise<void> | void): void {
    this.chain = this.chain.then(work).catch((error: unknown) => this.fail(error));
  }

  private async handle(projectSlug: string, row: EventRow): Promise<void> {
    const payload = row.payload as {
      stage?: StageSnapshot;
      component?: ComponentHealth;
      previousHealth?: string | null;
      link?: { status: string };
    };
    if (!payload.stage || !row.stageId) return;
    const stage = fromStageSnapshot(payload.stage);
    const view = this.views.get(row.stageId);
    switch (row.kind) {
      case EventKind.STAGE_CREATED:
      case EventKind.STAGE_RESTORED: {
        const outpostSlug = stage.outpostId ? await this.outpostSlug(stage.outpostId) : null;
        this.emit(
          "STAGE_ADDED",
          row.at,
          this.remember(projectSlug, { stage, outpostSlug, outpostStatus: stage.outpostId ? "PENDING" : null }),
        );
        return;
      }
      case EventKind.STAGE_DELETED:
        if (!view) return;
        this.views.delete(row.stageId);
        this.emit("STAGE_REMOVED", row.at, view);
        return;
    }
    if (!view) return;
    Object.assign(view, { name: stage.name, type: stage.type, previousHealth: null });
    switch (row.kind) {
      case EventKind.STAGE_STATE_CHANGED:
        view.state = stage.state;
        this.emit("STAGE_STATE_CHANGED", row.at, view);
        return;
      case EventKind.STAGE_HEALTH_CHANGED:
        Object.assign(view, { health: stage.health, healthSince: row.at, previousHealth: payload.previousHealth ?? null });
        this.emit("STAGE_HEALTH_CHANGED", row.at, view);
        return;
      case EventKind.COMPONENT_CHANGED:
        // Only a Component whose health moved (or that was reported for the first time) carries `previousHealth`.
        if (payload.component && "previousHealth" in payload) {
          const { name, kind, state, health } = payload.component;
          const component = {
            name,
            kind,
            state,
            health,
            previousHealth: (payload.previousHealth ?? null) as ComponentHealth["previousHealth"],
          };
          this.emit("COMPONENT_HEALTH_CHANGED", row.at, view, component);
        }
        return;
      case EventKind.OUTPOST_LINK_CHANGED:
        if (payload.link && payload.link.status !== view.link) {
          view.link = payload.link.status as StageHealth["link"];
          this.emit("OUTPOST_LINK_CHANGED", row.at, view);
        }
        return;
    }
  }

  private emit(kind: HealthEventKind, at: Date, view: StageHealth, component: ComponentHealth | null = null): void {
    if (this.closed) return;
    // A copy: the view goes on changing after the event is sent.
    this.send({ kind, at, stages: [{ ...view }], component });
  }

  private remember(projectSlug: string, { stage, outpostSlug, outpostStatus }: ProjectPicture["stages"][number]): StageHealth {
    if (stage.outpostId && outpostSlug) this.outpostSlugs.set(stage.outpostId, outpostSlug);
    const view: StageHealth = {
      project: projectSlug,
      stage: stage.slug,
      name: stage.name,
      type: stage.type,
      state: stage.state,
      health: stage.health as StageHealth["health"],
      previousHealth: null,
      healthSince: stage.healthSince,
      outpost: outpostSlug,
      link: outpostStatus
        ? (linkStatus(outpostStatus as NonNullable<StageHealth["link"]>, (stage.applyErrors as unknown[]).length) as StageHealth["link"])
        : null,
    };
    this.views.set(stage.id, view);
    return { ...view };
  }

  private async outpostSlug(id: string): Promise<string | null> {
    const known = this.outpostSlugs.get(id);
    if (known) return known;
    const [row] = await this.sources.db.select({ slug: outposts.slug }).from(outposts).where(eq(outposts.id, id));
    if (row) this.outpostSlugs.set(id, row.slug);
    return row?.slug ?? null;
  }

  private async readPictures(projectIds: readonly string[]): Promise<ProjectPicture[]> {
    if (projectIds.length === 0) return [];
    const rows = await this.sources.db
      .select({
        project: { id: projects.id, slug: projects.slug, seq: projects.seq },
        stage: stages,
        outpostSlug: outposts.slug,
        outpostStatus: outposts.status,
      })
      .from(projects)
      .leftJoin(stages, and(eq(stages.projectId, projects.id), isNull(stages.archivedAt)))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .where(inArray(projects.id, [...projectIds]))
      .orderBy(asc(projects.createdAt), asc(stages.createdAt));
    const pictures = new Map<string, ProjectPicture>();
    for (const row of rows) {
      let picture = pictures.get(row.project.id);
      if (!picture) {
        picture = { project: row.project, stages: [] };
        pictures.set(row.project.id, picture);
      }
      if (row.stage) picture.stages.push({ stage: row.stage, outpostSlug: row.outpostSlug, outpostStatus: row.outpostStatus });
    }
    return [...pictures.values()];
  }
}
