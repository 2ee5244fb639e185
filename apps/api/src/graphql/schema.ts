import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AgentResolver } from "../agents/agent.resolver.js";
import { AuthResolver } from "../auth/auth.resolver.js";
import { OidcResolver } from "../auth/oidc/oidc.resolver.js";
import { ComponentControlResolver } from "../components/component-control.resolver.js";
import { ComponentResolver } from "../components/component.resolver.js";
import { BuildResolver } from "../builds/build.resolver.js";
import { DateTime } from "../common/scalars.js";
import { ConfigurationResolver } from "../configurations/configuration.resolver.js";
import { EventResolver } from "../events/event.resolver.js";
import { EventSubjectResolver } from "../events/event-subject.resolver.js";
import { NodeResolver } from "../node/node.resolver.js";
import { HealthResolver } from "../health/health.resolver.js";
import { ReleaseRelationsResolver } from "../releases/release-relations.resolver.js";
import { BuildRelationsResolver } from "../builds/build-relations.resolver.js";
import { ConfigurationRelationsResolver } from "../configurations/configuration-relations.resolver.js";
import { ComponentIdResolver, ComponentLogLinesRelationsResolver } from "../components/component-relations.resolver.js";
import { OutpostLinkIdResolver } from "../outposts/outpost-link-id.resolver.js";
import { ReleaseResolver } from "../releases/release.resolver.js";
import { ProjectResolver } from "../projects/project.resolver.js";
import { StageResolver } from "../stages/stage.resolver.js";
import { OutpostLinkResolver } from "../outposts/outpost-link.resolver.js";
import { OutpostResolver } from "../outposts/outpost.resolver.js";
import { ComponentLogsResolver } from "../components/component-logs.resolver.js";
import { UserResolver } from "../users/user.resolver.js";
import { AccessKeyResolver } from "../access-keys/access-key.resolver.js";
import { MemberResolver } from "../projects/member.resolver.js";
import { AuditResolver } from "../audit/audit.resolver.js";
import { StageUsageResolver, ComponentUsageResolver, UsageResolver } from "../usage/usage.resolver.js";
import { WebhookDeliveryResolver, WebhookResolver } from "../webhooks/webhook.resolver.js";
import { BackupResolver } from "../backups/backup.resolver.js";
import { StagePolicyOfStageResolver, StagePolicyResolver } from "../stage-policies/stage-policy.resolver.js";
import { describeRootTypes } from "./root-types.js";

/** The executable schema. `npm run schema` prints it to packages/schema/schema.graphql. */
export async function createSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [
      AuthResolver,
      OidcResolver,
      UserResolver,
      AccessKeyResolver,
      MemberResolver,
      AuditResolver,
      ProjectResolver,
      StageResolver,
      ConfigurationResolver,
      BuildResolver,
      ReleaseResolver,
      ComponentResolver,
      ComponentControlResolver,
      AgentResolver,
      BackupResolver,
      EventResolver,
      EventSubjectResolver,
      OutpostResolver,
      OutpostLinkResolver,
      ComponentLogsResolver,
      NodeResolver,
      ReleaseRelationsResolver,
      BuildRelationsResolver,
      ConfigurationRelationsResolver,
      ComponentIdResolver,
      ComponentLogLinesRelationsResolver,
      OutpostLinkIdResolver,
      HealthResolver,
      ComponentUsageResolver,
      StageUsageResolver,
      UsageResolver,
      WebhookResolver,
      StagePolicyResolver,
      StagePolicyOfStageResolver,
      WebhookDeliveryResolver,
    ],
    scalarsMap: [{ type: Date, scalar: DateTime }],
    // Inputs are checked by the services, which name the field at fault (errors.ts).
    validate: false,
    // Every subscription brings its own `subscribe` (the event log); type-graphql still
    // insists on a pubSub, so it gets one that says topics are not how this API works.
    pubSub: {
      publish() {
        throw new Error("Pergola publishes through the event log, not type-graphql topics");
      },
      subscribe() {
        throw new Error("Pergola subscribes through the event log, not type-graphql topics");
      },
    },
  });
  return describeRootTypes(schema);
}
