/**
 * Configurations: named, per Stage, versioned. Every change writes a new immutable
 * `configuration_versions` row holding the whole data, so a Release can name the version it
 * runs with and no later change reaches it. A change takes effect with the next Release.
 * Lock order: Project (inProject), then Stage, then Configuration.
 */
import type { Db, Tx } from "@pergola/db/client";
import { configurations, configurationVersions, stages, type ConfigurationRow, type ProjectRow } from "@pergola/db/schema";
import { and, asc, eq, inArray } from "drizzle-orm";
import { AppError, ErrorCode, notFound, pgErrorCode } from "../errors.js";
import { EventKind } from "../events/event-kind.js";
import type { EventLog, ProjectTarget } from "../events/event-log.js";
import { lockStage } from "../stages/stage.service.js";
import { toStageSnapshot } from "../stages/stage.snapshot.js";
import type { Configuration } from "./configuration.type.js";
import {
  applyAdditions,
  applyRemovals,
  checkAdditions,
  checkConfigName,
  checkExpectedVersion,
  checkRemovals,
  type ConfigEntry,
  type ConfigVersionData,
} from "./configuration.rules.js";
import type { SecretBox } from "./secret-box.js";
import { toGlobalId } from "../node/global-id.js";
import { groupInOrder } from "../common/in-order.js";

export interface AddConfigDataInput {
  stage: string;
  config?: string | null;
  env?: readonly { name: string; value: string; secret?: boolean | null }[] | null;
  files?: readonly { name: string; content: string; secret?: boolean | null }[] | null;
  expectedVersion?: number | null;
}

export interface RemoveConfigDataInput {
  stage: string;
  config?: string | null;
  names: readonly string[];
  expectedVersion?: number | null;
}

interface Change {
  stage: string;
  config: string;
  expectedVersion: number | null;
  createdBy: string;
  /** Removing from a Configuration that does not exist is NOT_FOUND; adding creates it. */
  mustExist: boolean;
  apply(current: readonly ConfigEntry[], where: string): ConfigEntry[];
}

type Current = { configuration: ConfigurationRow; data: unknown };

export class ConfigurationService {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    /** Secret values are sealed with it before they are stored. */
    private readonly secrets: SecretBox,
  ) {}

  /** The newest version; null when the Stage has none of that name, NOT_FOUND for an unknown Stage. */
  async findConfiguration(project: ProjectRow, stageSlug: string, name: string): Promise<Configuration | null> {
    const [stage] = await this.db
      .select({ id: stages.id })
      .from(stages)
      .where(and(eq(stages.projectId, project.id), eq(stages.slug, stageSlug)));
    if (!stage) throw notFound(`Stage "${stageSlug}" in Project "${project.slug}"`);
    const [current] = await this.selectCurrent(this.db, stage.id, name);
    return current ? toConfiguration(current) : null;
  }

  /** The newest version of every Configuration of each Stage, by name, in one statement. */
  async listConfigurations(stageIds: readonly string[]): Promise<Configuration[][]> {
    const rows = await this.db
      .select({ configuration: configurations, data: configurationVersions.data })
      .from(configurations)
      .innerJoin(configurationVersions, currentVersion)
      .where(inArray(configurations.stageId, [...stageIds]))
      .orderBy(asc(configurations.name));
    return groupInOrder(stageIds, rows, (r) => r.configuration.stageId).map((group) => group.map(toConfiguration));
  }

  addConfigData(project: ProjectTarget, createdBy: string, input: AddConfigDataInput): Promise<Configuration> {
    const config = checkConfigName(input.config);
    const expectedVersion = checkExpectedVersion(input.expectedVersion);
    const changes = checkAdditions(input.env ?? [], input.files ?? []);
    const field = input.env?.length ? "env" : "files";
    return this.change(project, {
      stage: input.stage,
      config,
      expectedVersion,
      createdBy,
      mustExist: false,
      apply: (current) => applyAdditions(current, changes, field),
    });
  }

  removeConfigData(project: ProjectTarget, createdBy: string, input: RemoveConfigDataInput): Promise<Configuration> {
    const config = checkConfigName(input.config);
    const expectedVersion = checkExpectedVersion(input.expectedVersion);
    const names = checkRemovals(input.names);
    return this.change(project, {
      stage: input.stage,
      config,
      expectedVersion,
      createdBy,
      mustExist: true,
      apply: (current, where) => applyRemovals(current, names, where),
    });
  }

  private change(project: ProjectTarget, change: Change): Promise<Configuration> {
    return this.log.inProject(
      project,
      async ({ tx, project: row, emit }) => {
        const stage = await lockStage({ tx, project: row }, change.stage);
        const [current] = await this.selectCurrent(tx, stage.id, change.config).for("update", { of: configurations });
        const where = `Configuration "${change.config}" of Stage "${stage.slug}"`;
        if (!current && change.mustExist) throw notFound(where);
        const actual = current?.configuration.version ?? 0;
        if (change.expectedVersion !== null && change.expectedVersion !== actual) {
          throw new AppError(
            ErrorCode.CONFLICT,
            `${where} changed meanwhile: expected version ${change.expectedVersion}, it is at ${actual}; read it again and retry`,
            { field: "expectedVersion", expected: change.expectedVersion, actual },
          );
        }
        const entries = change.apply(current ? entriesOf(current) : [], where);
        const version = actual + 1;
        const [configuration] = current
          ? await tx
              .update(configurations)
              .set({ version, updatedAt: new Date() })
              .where(eq(configurations.id, current.configuration.id))
              .returning()
          : await tx.insert(configurations).values({ stageId: stage.id, name: change.config, version }).returning();
        // Secret values are stored encrypted, bound to this Configuration (plaintext ones from before included).
        const data: ConfigVersionData = { entries: this.secrets.sealEntries(entries, configuration!.id) };
        await insertVersion(tx, { configurationId: configuration!.id, version, data, createdBy: change.createdBy });
        // Names, kinds and flags only: event payloads are replayed to every subscriber of the Project.
        const summary = entries.map(({ name, kind, secret }) => ({ name, kind, secret }));
        emit({
          kind: EventKind.CONFIGURATION_CHANGED,
          stageId: stage.id,
          payload: { stage: toStageSnapshot(stage), configuration: { name: change.config, version, entries: summary } },
        });
        return toConfiguration({ configuration: configuration!, data });
      },
      { lock: "last" },
    );
  }

  /** One version as a Release runs it (null when it does not exist). */
  async findVersion(stageId: string, name: string, version: number): Promise<Configuration | null> {
    const [row] = await this.db
      .select({ configuration: configurations, data: configurationVersions.data, at: configurationVersions.createdAt })
      .from(configurations)
      .innerJoin(configurationVersions, eq(configurationVersions.configurationId, configurations.id))
      .where(and(eq(configurations.stageId, stageId), eq(configurations.name, name), eq(configurationVersions.version, version)));
    if (!row) return null;
    return toConfiguration({ configuration: { ...row.configuration, version, updatedAt: row.at }, data: row.data });
  }

  /** Inside a transaction pass `tx`: PGlite has one connection, and `this.db` would wait for it forever. */
  private selectCurrent(db: Db | Tx, stageId: string, name: string) {
    return db
      .select({ configuration: configurations, data: configurationVersions.data })
      .from(configurations)
      .innerJoin(configurationVersions, currentVersion)
      .where(and(eq(configurations.stageId, stageId), eq(configurations.name, name)));
  }
}

const currentVersion = and(
  eq(configurationVersions.configurationId, configurations.id),
  eq(configurationVersions.version, configurations.version),
);

/**
 * The driver's error quotes the statement's parameters (and PostgreSQL's JSON errors quote the
 * data): the whole Configuration, secrets included, which `formatError` would log. Keep only
 * the SQLSTATE, which the retry and error translation need.
 */
async function insertVersion(tx: Tx, row: typeof configurationVersions.$inferInsert): Promise<void> {
  try {
    await tx.insert(configurationVersions).values(row);
  } catch (error) {
    const code = pgErrorCode(error);
    throw Object.assign(new Error(`storing version ${row.version} of a Configuration failed (SQLSTATE ${code ?? "none"})`), { code });
  }
}

const entriesOf = (current: Current): ConfigEntry[] => (current.data as ConfigVersionData).entries;

/** The API's view: a secret's value never leaves the service. */
function toConfiguration(current: Current): Configuration {
  const { id, stageId, name, version, updatedAt } = current.configuration;
  const data = entriesOf(current).map(({ name, kind, value, secret }) => ({ name, kind, secret, value: secret ? null : value }));
  return { id: toGlobalId("Configuration", `${id}/${version}`), stageId, name, version, updatedAt, data };
}
