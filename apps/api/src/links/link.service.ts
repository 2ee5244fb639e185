/**
 * Shareable links: each ingress of a Release's manifest is served by the gateway at
 * `/s/<project>/<stage>/<host>/…` and at `http://<host>.<stage>.<project>.localhost:<port>/`.
 * This service finds where a link leads (the Component's address and port, as its agent
 * reported it) and what each Component's links are.
 */
import type { Db } from "@pergola/db/client";
import { builds, components, outposts, projects, releases, stages } from "@pergola/db/schema";
import type { Manifest } from "@pergola/runtime/manifest";
import { getIngress, type LinkTarget } from "@pergola/runtime/links";
import { and, eq, inArray } from "drizzle-orm";
import { validateManifest } from "../builds/manifest.js";
import { isServingRelease } from "../releases/release.conditions.js";

export type { LinkTarget };

export class LinkService {
  /** Where links point: the API's public URL (`PERGOLA_PUBLIC_URL`, else its own). */
  baseUrl = "http://127.0.0.1";
  /** The domains the gateway takes host-form links under: the configured one, and localhost. */
  hostDomains: readonly string[] = ["localhost"];
  private linksDomain = "localhost";
  /** Told of every Stage whose link is served (auto-suspend counts its traffic). */
  onTraffic: (stageId: string) => void = () => {};

  /**
   * What the host form of the API's links ends with: `localhost` (browsers and curl resolve
   * `*.localhost`), or the operator's wildcard domain (PERGOLA_LINKS_DOMAIN). Set at start.
   */
  get domain(): string {
    return this.linksDomain;
  }

  set domain(domain: string) {
    this.linksDomain = domain;
    this.hostDomains = domain === "localhost" ? ["localhost"] : [domain, "localhost"];
  }

  /** Builds are immutable: each one's manifest is validated once, not on every proxied request. */
  private readonly manifests = new Map<string, Manifest | null>();

  constructor(private readonly db: Db) {}

  private async manifestOf(buildId: string, raw: unknown): Promise<Manifest | null> {
    let manifest = this.manifests.get(buildId);
    if (manifest === undefined) {
      const result = await validateManifest(raw);
      manifest = result.valid ? result.manifest : null;
      if (this.manifests.size >= MANIFEST_CACHE_SIZE) this.manifests.delete(this.manifests.keys().next().value!);
      this.manifests.set(buildId, manifest);
    }
    return manifest;
  }

  async resolve(project: string, stage: string, host: string, path: string): Promise<LinkTarget> {
    const [row] = await this.db
      .select({
        stage: stages,
        release: releases,
        buildId: builds.id,
        manifest: builds.manifest,
        outpost: { slug: outposts.slug, publicUrl: outposts.publicUrl },
      })
      .from(stages)
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      // While a new Release starts beside the DEPLOYED one, the links lead to the DEPLOYED one.
      .leftJoin(releases, and(eq(releases.stageId, stages.id), isServingRelease))
      .leftJoin(builds, eq(builds.id, releases.buildId))
      .where(and(eq(projects.slug, project), eq(stages.slug, stage)));
    if (!row) return { kind: "unknown" };
    if (row.stage.outpostId) {
      // The control plane cannot reach an Outpost's Components: its agent serves their links.
      if (!row.outpost?.publicUrl)
        return {
          kind: "down",
          component: host,
          state: `unreachable from here (it runs on Outpost ${row.outpost?.slug ?? "?"}, whose agent has no --public-url)`,
        };
      return {
        kind: "elsewhere",
        outpost: row.outpost.slug,
        url: `${row.outpost.publicUrl.replace(/\/$/, "")}/s/${project}/${stage}/${host}${path}`,
      };
    }
    if (row.stage.state === "SUSPENDING" || row.stage.state === "SUSPENDED") return { kind: "suspended", stage };
    const ingress = row.release && row.buildId && getIngress(await this.manifestOf(row.buildId, row.manifest), host, path);
    if (!row.release || !ingress) return { kind: "unknown" };
    const [component] = await this.db
      .select()
      .from(components)
      .where(and(eq(components.releaseId, row.release.id), eq(components.name, ingress.component)));
    if (!component?.host || component.state !== "RUNNING") {
      return { kind: "down", component: ingress.component, state: component?.state ?? "PENDING" };
    }
    this.onTraffic(row.stage.id);
    return { kind: "target", url: `http://${component.host}:${ingress.port}` };
  }

  /** The links of each Component of these Releases, by `<releaseId>/<component>`. */
  async linksFor(releaseIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.db
      .select({
        releaseId: releases.id,
        stage: stages.slug,
        project: projects.slug,
        buildId: builds.id,
        manifest: builds.manifest,
        outpostId: stages.outpostId,
        outpostUrl: outposts.publicUrl,
      })
      .from(releases)
      .innerJoin(stages, eq(stages.id, releases.stageId))
      .leftJoin(outposts, eq(outposts.id, stages.outpostId))
      .innerJoin(projects, eq(projects.id, stages.projectId))
      .innerJoin(builds, eq(builds.id, releases.buildId))
      .where(inArray(releases.id, [...releaseIds]));
    const links = new Map<string, string[]>();
    for (const row of rows) {
      // On an Outpost the agent serves the links, at its --public-url; without one, there are none yet.
      const baseUrl = row.outpostId ? row.outpostUrl : this.baseUrl;
      if (!baseUrl) continue;
      const base = new URL(baseUrl);
      for (const component of (await this.manifestOf(row.buildId, row.manifest))?.components ?? []) {
        links.set(
          `${row.releaseId}/${component.name}`,
          component.ingresses.flatMap((i) => {
            const path = i.path === "/" ? "/" : `${i.path}`;
            // An Outpost's agent serves its links under localhost; the API, under its links domain.
            const domain = row.outpostId ? "localhost" : this.domain;
            const hostForm = `${base.protocol}//${i.host}.${row.stage}.${row.project}.${domain}${base.port ? `:${base.port}` : ""}${path}`;
            return [`${baseUrl.replace(/\/$/, "")}/s/${row.project}/${row.stage}/${i.host}${path}`, hostForm];
          }),
        );
      }
    }
    return links;
  }
}

const MANIFEST_CACHE_SIZE = 1000;
