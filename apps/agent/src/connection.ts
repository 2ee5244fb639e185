/**
 * The thin graphql-ws adapter around the Reconciler (the transport, kept apart from the logic):
 * it dials the API, subscribes to the desired state and hands each message to the target, and
 * sends the target's status reports. All decisions about Stages stay in the Reconciler.
 *
 * Reports go over the same socket (`reportStatus` as a graphql-ws operation), not as HTTP POSTs:
 * the connection is already open and authenticated (one path out through NAT and proxies, one
 * auth), and the API can tie each report to this agent's session, which is how it ignores
 * reports of a superseded session (docs/adr/0002-level-triggered-agent.md). Usage samples
 * (usage-sampler.ts) go the same way, as `reportUsage`.
 */
import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import { getSource } from "@pergola/schema";
import {
  AgentAcknowledgePurgeDocument,
  AgentDesiredStateDocument,
  AgentReportStatusDocument,
  AgentReportBackupDocument,
  AgentReportUsageDocument,
  type AgentAcknowledgePurgeMutation,
  type AgentAcknowledgePurgeMutationVariables,
  type AgentDesiredStateSubscription,
  type AgentReportStatusMutation,
  type AgentReportStatusMutationVariables,
  type AgentReportBackupMutation,
  type AgentReportBackupMutationVariables,
  type AgentReportUsageMutation,
  type AgentReportUsageMutationVariables,
} from "@pergola/schema/generated";
import { backoffDelay, type Backoff } from "@pergola/schema/time";
import { Heartbeater, type HeartbeatState } from "./heartbeat.js";
import {
  desiredStateSchema,
  type BackupReport,
  type BackupReportResult,
  type DesiredStage,
  type PurgedStage,
  type ReportResult,
  type StatusReport,
  type UsageReportResult,
  type UsageSample,
} from "./desired-state.js";
import type { AgentLogger } from "./ports.js";

export interface DesiredStateTarget {
  applyFull(stages: DesiredStage[]): void;
  applyChanges(stages: DesiredStage[], removed: string[]): void;
  /** Purged Stages whose storage to remove; told after the Stages of the same message. */
  applyPurged?(purged: PurgedStage[]): void;
}

export interface ConnectionOptions {
  /** The API's URL, `http(s)://host:port`; the socket goes to `ws(s)://host:port/graphql`. */
  server: string;
  token: string;
  target: DesiredStateTarget;
  logger: AgentLogger;
  /** Reconnects and resubscriptions. Default 1 s doubling to 30 s, ±20 % (PROTOCOL "Connection"). */
  backoff?: Backoff;
  /** How often to resubscribe for a full desired state. Default 5 minutes (PROTOCOL "Desired state"). */
  resyncMs?: number;
  /** How long a report may wait for its answer before it counts as not sent. Default 30 s. */
  reportTimeoutMs?: number;
  /** Told to the server at connection_init: shown as the Outpost's agent version. */
  agentVersion?: string;
  /** Told to the server at connection_init: where this agent serves its Stages' links. */
  publicUrl?: string;
}

/** What /healthz tells of the connection. */
export interface ConnectionState extends HeartbeatState {
  /** The socket is open and the server accepted the token (connection_ack), and it has not closed since. */
  connected: boolean;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

/** Close codes of a token the API does not accept (graphql-ws: Unauthorized, Forbidden). */
const TOKEN_REJECTED = new Set([4401, 4403]);

/** `http://host:4000` → `ws://host:4000/graphql`; `https:` → `wss:`; a URL that already ends in /graphql keeps it. */
export function getGraphqlWsUrl(server: string): string {
  const url = new URL(server);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  else if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new Error(`--server must be an http(s) URL, not ${server}`);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/graphql") ? path : `${path}/graphql`;
  url.search = "";
  url.hash = "";
  return url.toString();
}

export class Connection {
  private readonly client: Client;
  private readonly heartbeats: Heartbeater;
  private readonly backoff: Backoff;
  /** Counts subscriptions: messages of a superseded one are ignored. */
  private current = 0;
  private dispose?: () => void;
  private resubscribeAttempt = 0;
  private resubscribeTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private closed = false;
  private connected = false;
  /** Ends the back-off waits early when the connection closes. */
  private readonly wakers = new Set<() => void>();

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    const url = getGraphqlWsUrl(options.server);
    const { logger } = options;
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: options.token, agentVersion: options.agentVersion, publicUrl: options.publicUrl },
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) => this.wait(backoffDelay(retries, this.backoff)),
      on: {
        connected: () => {
          this.connected = true;
          logger.info({ url }, "connected to the server");
          this.heartbeats.start();
        },
        closed: (event) => {
          this.connected = false;
          this.heartbeats.stop();
          if (this.closed) return;
          const { code, reason } = readCloseEvent(event);
          if (code !== undefined && TOKEN_REJECTED.has(code)) {
            logger.error({ code, reason }, `token rejected by the server (${code}): check the agent token (--token-file)`);
          } else {
            logger.warn({ url, code, reason }, "disconnected from the server; reconnecting");
          }
        },
      },
    });
    this.heartbeats = new Heartbeater(this.client, logger);
  }

  /** Subscribes to the desired state, and again every `resyncMs` for a full one. */
  start(): void {
    this.subscribe();
    this.resyncTimer = setInterval(() => this.subscribe(), this.options.resyncMs ?? 5 * 60_000);
  }

  getState(): ConnectionState {
    return { connected: this.connected, ...this.heartbeats.getState() };
  }

  /** Sends one report over the socket; rejects when it could not be sent or the server answered with errors. */
  report(report: StatusReport): Promise<ReportResult> {
    const variables: AgentReportStatusMutationVariables = { i: report };
    return this.mutate<AgentReportStatusMutation>(getSource(AgentReportStatusDocument), variables, "report").then(
      (data) => data.reportStatus,
    );
  }

  /**
   * Sends one batch of usage samples over the socket (`reportUsage`, beside the reports: usage
   * comes on a clock, for all Stages at once, and changes no state); rejects like `report`.
   */
  reportUsage(samples: UsageSample[]): Promise<UsageReportResult> {
    const variables: AgentReportUsageMutationVariables = { i: { samples } };
    return this.mutate<AgentReportUsageMutation>(getSource(AgentReportUsageDocument), variables, "usage report").then(
      (data) => data.reportUsage,
    );
  }

  /** A backup the agent could not take, or a restore's outcome (`reportBackup`); rejects like `report`. */
  reportBackup(report: BackupReport): Promise<BackupReportResult> {
    const variables: AgentReportBackupMutationVariables = { i: report };
    return this.mutate<AgentReportBackupMutation>(getSource(AgentReportBackupDocument), variables, "backup report").then(
      (data) => data.reportBackup,
    );
  }

  /** The storage of a purged Stage is gone from this host (`acknowledgePurge`); rejects like `report`. */
  acknowledgePurge(stageId: string): Promise<boolean> {
    const variables: AgentAcknowledgePurgeMutationVariables = { s: stageId };
    return this.mutate<AgentAcknowledgePurgeMutation>(getSource(AgentAcknowledgePurgeDocument), variables, "purge acknowledgement").then(
      (data) => data.acknowledgePurge,
    );
  }

  /** One mutation over the socket, answered within `reportTimeoutMs`. */
  private mutate<TData>(query: string, variables: Record<string, unknown>, what: string): Promise<TData> {
    const timeoutMs = this.options.reportTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let result: FormattedExecutionResult<TData, unknown> | undefined;
      const timer = setTimeout(() => {
        dispose();
        reject(new Error(`no answer to the ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const dispose = this.client.subscribe<TData>(
        { query, variables },
        {
          next: (value) => (result = value),
          error: (error) => {
            clearTimeout(timer);
            reject(toError(error));
          },
          complete: () => {
            clearTimeout(timer);
            if (result?.errors?.length) reject(new Error(result.errors.map((e) => e.message).join("; ")));
            else if (!result?.data) reject(new Error(`the server answered the ${what} without data`));
            else resolve(result.data);
          },
        },
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heartbeats.stop();
    clearTimeout(this.resubscribeTimer);
    clearInterval(this.resyncTimer);
    this.dispose?.();
    for (const wake of this.wakers) wake();
    // A connection attempt under way ends with "All Subscriptions Gone" (1000): closed is closed.
    await Promise.resolve(this.client.dispose()).catch(() => undefined);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** A new subscription first, then the old one goes: the socket stays open in between. */
  private subscribe(): void {
    if (this.closed) return;
    clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = undefined;
    const id = ++this.current;
    const previous = this.dispose;
    this.dispose = this.client.subscribe<AgentDesiredStateSubscription>(
      { query: getSource(AgentDesiredStateDocument) },
      {
        next: (result) => {
          if (id === this.current) this.receive(result);
        },
        error: (error) => {
          if (id !== this.current || this.closed) return;
          this.options.logger.warn({ err: toError(error) }, "desired state subscription failed");
          this.scheduleResubscribe();
        },
        complete: () => {
          if (id === this.current && !this.closed) this.scheduleResubscribe();
        },
      },
    );
    previous?.();
  }

  /** The data's type is what the API promises; zod checks that it kept the promise. */
  private receive(result: FormattedExecutionResult<AgentDesiredStateSubscription, unknown>): void {
    const { logger } = this.options;
    if (result.errors?.length) {
      logger.error({ errors: result.errors.map((e) => e.message) }, "the server sent errors for the desired state");
      this.scheduleResubscribe();
      return;
    }
    const parsed = desiredStateSchema.safeParse(result.data?.desiredState);
    if (!parsed.success) {
      // A message it cannot apply: ask for the whole truth again (PROTOCOL "Desired state").
      logger.error({ problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, "unreadable desired state");
      this.scheduleResubscribe();
      return;
    }
    this.resubscribeAttempt = 0;
    const { full, stages, removed, purged } = parsed.data;
    logger.debug({ full, stages: stages.length, removed: removed.length, purged: purged.length }, "desired state received");
    if (full) this.options.target.applyFull(stages);
    else this.options.target.applyChanges(stages, removed);
    if (purged.length > 0) this.options.target.applyPurged?.(purged);
  }

  private scheduleResubscribe(): void {
    if (this.closed || this.resubscribeTimer) return;
    const wait = backoffDelay(this.resubscribeAttempt++, this.backoff);
    this.resubscribeTimer = setTimeout(() => this.subscribe(), wait);
  }
}

function readCloseEvent(event: unknown): { code?: number; reason?: string } {
  if (typeof event !== "object" || event === null) return {};
  const { code, reason } = event as { code?: unknown; reason?: unknown };
  return {
    code: typeof code === "number" ? code : undefined,
    reason: typeof reason === "string" && reason !== "" ? reason : undefined,
  };
}

/** graphql-ws hands errors as Error, CloseEvent or a list of GraphQL errors. */
function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  const { code, reason } = readCloseEvent(error);
  if (code !== undefined) return new Error(`socket closed (${code}${reason ? `: ${reason}` : ""})`);
  if (Array.isArray(error)) return new Error(error.map((e: { message?: string }) => e.message).join("; "));
  return new Error(String(error));
}
