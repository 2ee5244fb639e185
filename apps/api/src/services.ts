/**
 * The domain services, built once per server and shared by every request and socket. Resolvers
 * reach the database only through them: the database handle itself is not among them.
 */
import { join } from "node:path";
import type { Database } from "@pergola/db/client";
import type { ArchiveLimits } from "@pergola/runtime/artifact";
import type { Logger } from "pino";
import { SocketTicketService } from "./auth/socket-ticket.service.js";
import { TokenService } from "./auth/token.service.js";
import { AccessKeyService } from "./access-keys/access-key.service.js";
import { AuditService } from "./audit/audit.service.js";
import { SignInService } from "./users/sign-in.service.js";
import { OidcService, type OidcOptions } from "./auth/oidc/oidc.service.js";
import { UserService } from "./users/user.service.js";
import { ArtifactService } from "./builds/artifact.service.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import type { ArtifactStore } from "./builds/artifact-store.js";
import { BuildService } from "./builds/build.service.js";
import { ReleaseService } from "./releases/release.service.js";
import { DesiredStateService } from "./agents/desired-state.service.js";
import { ComponentControlService } from "./components/component-control.service.js";
import { ComponentService } from "./components/component.service.js";
import { LogFeed } from "./components/log-feed.js";
import { LinkService } from "./links/link.service.js";
import { ConfigurationService } from "./configurations/configuration.service.js";
import { loadSecretBox } from "./configurations/secret-box.js";
import { EventBus } from "./events/event-bus.js";
import { EventLog } from "./events/event-log.js";
import { ProjectService } from "./projects/project.service.js";
import { StageService } from "./stages/stage.service.js";
import { StagePolicyService } from "./stage-policies/stage-policy.service.js";
import { AutoSuspend, type AutoSuspendOptions } from "./stage-policies/auto-suspend.js";
import { OutpostAnnouncer } from "./outposts/outpost-announcer.js";
import { OutpostService } from "./outposts/outpost.service.js";
import { OutpostGrantService } from "./outposts/outpost-grants.js";
import { OutpostSessions, type OutpostSessionsOptions } from "./outposts/outpost-sessions.js";
import { AgentConnections } from "./outposts/agent-connections.js";
import { NodeService } from "./node/node.service.js";
import { refreshStageHealth } from "./stages/stage.health.js";
import { HealthService } from "./health/health.service.js";
import { UsageFeed } from "./usage/usage-feed.js";
import { BackupService } from "./backups/backup.service.js";
import { UsageService } from "./usage/usage.service.js";
import { enqueueEventDeliveries, mayNotify } from "./webhooks/webhook-outbox.js";
import { WebhookSender, type WebhookSenderOptions } from "./webhooks/webhook-sender.js";
import { WebhookService } from "./webhooks/webhook.service.js";

export interface Services {
  bus: EventBus;
  log: EventLog;
  projects: ProjectService;
  stages: StageService;
  backups: BackupService;
  stagePolicies: StagePolicyService;
  autoSuspend: AutoSuspend;
  tokens: TokenService;
  users: UserService;
  signIn: SignInService;
  oidc: OidcService;
  accessKeys: AccessKeyService;
  audit: AuditService;
  tickets: SocketTicketService;
  artifacts: ArtifactService;
  metrics: Metrics;
  builds: BuildService;
  configurations: ConfigurationService;
  releases: ReleaseService;
  desiredState: DesiredStateService;
  components: ComponentService;
  componentControl: ComponentControlService;
  logFeed: LogFeed;
  links: LinkService;
  outposts: OutpostService;
  outpostGrants: OutpostGrantService;
  outpostAnnouncer: OutpostAnnouncer;
  outpostSessions: OutpostSessions;
  agentConnections: AgentConnections;
  nodes: NodeService;
  health: HealthService;
  usage: UsageService;
  usageFeed: UsageFeed;
  webhooks: WebhookService;
  webhookSender: WebhookSender;
}

export interface ServicesOptions {
  eventRetention: number;
  /** Uploads are staged under `<dataDir>/artifacts/tmp` (the disk store keeps its files beside them). */
  dataDir: string;
  /** Where artifacts' bytes are kept. */
  artifactStore: ArtifactStore;
  maxArtifactBytes: number;
  /** Limits on an uploaded archive once inflated; unset ones take DEFAULT_ARCHIVE_LIMITS. */
  artifactLimits?: Partial<ArchiveLimits>;
  /** Encrypts secret Configuration values at rest: base64 of 32 bytes. Unset: `<dataDir>/secret-key`, made once. */
  secretKey?: string;
  /** Heartbeat batching and the OFFLINE monitor's timings. */
  outposts?: OutpostSessionsOptions;
  /** Single sign-on (auth/oidc); none without it. */
  oidc?: OidcOptions;
  /** Origins besides the API's own that SSO may send a browser back to (the dashboard's). */
  allowedOrigins?: string[];
  /** How webhook deliveries are sent: timeout, back-off, how long retries go on. */
  webhooks?: WebhookSenderOptions;
  /** How often Stage policies' auto-suspend looks at Stages. */
  autoSuspend?: AutoSuspendOptions;
}

export function createServices(database: Database, logger: Logger, options: ServicesOptions): Services {
  const metrics = createMetrics(database.db);
  const bus = new EventBus(database, logger, metrics.delivered);
  const secrets = loadSecretBox(options.dataDir, options.secretKey);
  const webhookSender = new WebhookSender(database.db, secrets, logger, options.webhooks);
  const log = new EventLog(database.db, {
    retention: options.eventRetention,
    notify: database.driver === "postgres",
    onCommitted: (projectId, written) => {
      bus.publish(projectId, written);
      if (mayNotify(written)) webhookSender.wake();
    },
    derive: refreshStageHealth,
    // The outbox: webhooks' deliveries go in with the events that cause them.
    written: async (tx, project, written) => void (await enqueueEventDeliveries(tx, project, written)),
  });
  const outpostAnnouncer = new OutpostAnnouncer(database, log, logger);
  outpostAnnouncer.onDeliveriesQueued = () => webhookSender.wake();
  const outposts = new OutpostService(database.db, outpostAnnouncer);
  const logFeed = new LogFeed(database, logger);
  const usageFeed = new UsageFeed(database, logger);
  const audit = new AuditService(database.db);
  const artifacts = new ArtifactService(
    database.db,
    options.artifactStore,
    join(options.dataDir, "artifacts"),
    options.maxArtifactBytes,
    options.artifactLimits,
  );
  const signIn = new SignInService(database.db, audit, outpostAnnouncer);
  const outpostSessions = new OutpostSessions(database.db, outpostAnnouncer, logger, options.outposts);
  const projects = new ProjectService(database.db, log, outpostAnnouncer);
  const stages = new StageService(database.db, log, outposts);
  const autoSuspend = new AutoSuspend(database.db, stages, logger, options.autoSuspend);
  const links = new LinkService(database.db);
  links.onTraffic = (stageId) => void autoSuspend.touch(stageId);
  const components = new ComponentService(database.db, log, outpostAnnouncer, logFeed, metrics.deployed);
  // Outposts' agents serve their Stages' links themselves, and tell of that traffic in their reports.
  components.onTraffic = (stageId, at) => void autoSuspend.noteReported(stageId, at);
  return {
    metrics,
    bus,
    log,
    projects,
    stages,
    backups: new BackupService(database.db, log),
    tokens: new TokenService(database.db),
    users: new UserService(database.db, outpostAnnouncer),
    signIn,
    oidc: new OidcService(database.db, signIn, logger, options.oidc, options.allowedOrigins),
    accessKeys: new AccessKeyService(database.db, outpostAnnouncer),
    audit,
    tickets: new SocketTicketService(database.db),
    artifacts,
    builds: new BuildService(database.db, log, artifacts),
    releases: new ReleaseService(database.db, log),
    desiredState: new DesiredStateService(database.db, secrets, logger),
    components,
    componentControl: new ComponentControlService(log),
    logFeed,
    links,
    configurations: new ConfigurationService(database.db, log, secrets),
    outposts,
    outpostGrants: new OutpostGrantService(database.db, outpostAnnouncer),
    outpostAnnouncer,
    outpostSessions,
    agentConnections: new AgentConnections(outpostSessions, outposts, logger),
    nodes: new NodeService(database.db),
    health: new HealthService(database.db, projects, bus),
    usage: new UsageService(database.db, usageFeed),
    usageFeed,
    stagePolicies: new StagePolicyService(database.db),
    autoSuspend,
    webhooks: new WebhookService(database.db, projects, secrets, () => webhookSender.wake()),
    webhookSender,
  };
}
