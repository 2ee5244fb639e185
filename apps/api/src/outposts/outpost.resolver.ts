/**
 * Outposts: admins register, rotate, delete and grant them to Projects; anyone who may create a
 * Stage validates a URI (seeing only Outposts granted to their Projects); agents heartbeat.
 * `outpostChanged` sends the Outpost as it is, then again on every change.
 */
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { LOCAL_OUTPOST } from "@pergola/schema";
import type { Context } from "../context.js";
import { authorize, can } from "../auth/policy.js";
import { ArgDoc } from "../graphql/argument-docs.js";
import { optionalRenamed, renamedTo, requiredRenamed } from "../graphql/renamed-argument.js";
import { Project } from "../projects/project.type.js";
import { formatLabel, Label, toLabel } from "./label.type.js";
import { CreateOutpostInput } from "./outpost.input.js";
import type { OutpostView } from "./outpost.service.js";
import { HeartbeatResult, Outpost, OutpostConnection, OutpostCredentials, OutpostHistoryEntry, OutpostValidation } from "./outpost.type.js";
import { streamOutpost } from "./outpost-stream.js";
import { PageArgs } from "../graphql/connection.type.js";

@Resolver(() => Outpost)
export class OutpostResolver {
  @Query(() => [Outpost], { description: "Every Outpost, the built-in `local` one included. Admins only." })
  outposts(@Ctx() { actor, services }: Context) {
    return services.outposts.listOutposts(actor);
  }

  @Query(() => OutpostConnection, { description: "Every Outpost a page at a time, by slug (as `outposts`). Admins only." })
  async outpostsConnection(@Args(() => PageArgs) args: PageArgs, @Ctx() { actor, services }: Context): Promise<OutpostConnection> {
    return (await services.outposts.listOutpostPage(actor, args)) as unknown as OutpostConnection;
  }

  @Query(() => Outpost, { nullable: true, description: "One Outpost; null when there is none of that slug. Admins only." })
  outpost(
    @Arg("outpost", () => String, { nullable: true, description: `${ArgDoc.outpost} Required (or \`slug\`).` }) outpost: string | null,
    @Arg("slug", () => String, { nullable: true, description: ArgDoc.outpost, deprecationReason: renamedTo("outpost") }) slug:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outposts.getOutpost(actor, requiredRenamed({ outpost }, { slug }));
  }

  @Query(() => OutpostValidation, {
    description:
      "Checks an outpost://<slug> URI and tells what the Outpost is; `problems` say what is wrong (or, as warnings, worth knowing).",
  })
  validateOutpostUri(
    @Arg("uri", () => String, { description: "The URI to check, e.g. outpost://factory-berlin." }) uri: string,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outposts.validateUri(actor, uri);
  }

  @Mutation(() => OutpostCredentials, { description: "Admins only. The agent token is shown here once." })
  createOutpost(
    @Arg("input", () => CreateOutpostInput, { description: "The Outpost to register." }) input: CreateOutpostInput,
    @Ctx() { actor, services }: Context,
  ) {
    const labels = optionalRenamed({ labelEntries: input.labelEntries?.map(formatLabel) }, { labels: input.labels });
    return services.outposts.createOutpost(actor, { ...input, labels });
  }

  @Mutation(() => OutpostCredentials, { description: "Admins only. The old token stops working; its open sockets are closed." })
  rotateOutpostToken(
    @Arg("outpost", () => String, { nullable: true, description: `${ArgDoc.outpost} Required (or \`slug\`).` }) outpost: string | null,
    @Arg("slug", () => String, { nullable: true, description: ArgDoc.outpost, deprecationReason: renamedTo("outpost") }) slug:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outposts.rotateToken(actor, requiredRenamed({ outpost }, { slug }));
  }

  @Mutation(() => Boolean, { description: "Admins only. STATE_CONFLICT while Stages live on it." })
  deleteOutpost(
    @Arg("outpost", () => String, { nullable: true, description: `${ArgDoc.outpost} Required (or \`slug\`).` }) outpost: string | null,
    @Arg("slug", () => String, { nullable: true, description: ArgDoc.outpost, deprecationReason: renamedTo("outpost") }) slug:
      | string
      | null,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outposts.deleteOutpost(actor, requiredRenamed({ outpost }, { slug }));
  }

  @Mutation(() => Outpost, {
    description: "Admins only. Members of the Project may then place Stages on the Outpost (and see it). Granting twice changes nothing.",
  })
  grantOutpost(
    @Arg("outpost", () => String, { description: ArgDoc.outpost }) outpost: string,
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outpostGrants.grant(actor, outpost, project);
  }

  @Mutation(() => Outpost, { description: "Admins only. STATE_CONFLICT, naming them, while the Project has Stages on the Outpost." })
  revokeOutpost(
    @Arg("outpost", () => String, { description: ArgDoc.outpost }) outpost: string,
    @Arg("project", () => String, { description: ArgDoc.project }) project: string,
    @Ctx() { actor, services }: Context,
  ) {
    return services.outpostGrants.revoke(actor, outpost, project);
  }

  @Mutation(() => HeartbeatResult, {
    description: "Agents only, over their socket: I am alive. `latencyMs` is the round trip of the previous heartbeat.",
  })
  heartbeat(
    @Arg("latencyMs", () => Int, {
      nullable: true,
      description: "The previous heartbeat's round trip in milliseconds; null for the first.",
    })
    latencyMs: number | null,
    @Ctx() { actor, services, agentSession }: Context,
  ) {
    authorize(actor, "agent.act", undefined);
    // The local agent runs beside the API: nothing to watch.
    if (!agentSession) return { accepted: true, reason: null, intervalSeconds: 5, outpost: actor.outpost ?? LOCAL_OUTPOST };
    const latency = latencyMs == null || !Number.isFinite(latencyMs) ? null : Math.max(0, Math.min(Math.round(latencyMs), 600_000));
    return services.outpostSessions.heartbeat(agentSession, latency);
  }

  @FieldResolver(() => [OutpostHistoryEntry], { nullable: true, description: "Newest first. Admins only (null for others)." })
  history(
    @Root() outpost: OutpostView,
    @Arg("first", () => Int, { nullable: true, description: "How many of the newest entries, 1 to 500; default 20." }) first: number | null,
    @Arg("last", () => Int, { nullable: true, description: "How many of the newest entries.", deprecationReason: renamedTo("first") }) last:
      | number
      | null,
    @Ctx() { actor, services }: Context,
  ) {
    if (!can(actor, "outpost.inspect", undefined)) return null;
    return services.outposts.history(outpost.id, optionalRenamed({ first }, { last }) ?? 20);
  }

  @FieldResolver(() => [Label], { nullable: true, description: "Its labels, in the order given. Admins only (null for others)." })
  labelEntries(@Root() outpost: OutpostView, @Ctx() { actor }: Context): Label[] | null {
    return can(actor, "outpost.inspect", undefined) ? outpost.labels.map(toLabel) : null;
  }

  @FieldResolver(() => [Project], { description: "The Projects whose Stages it may run (grantOutpost); to a non-admin, only their own." })
  projects(@Root() outpost: OutpostView, @Ctx() { actor, services }: Context) {
    return services.outpostGrants.listProjects(actor, outpost.id);
  }

  @Subscription(() => Outpost, {
    description: "Admins only: the Outpost as it is now, then again after every change (status, heartbeat, history).",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { outpost: string }, Context>) =>
      streamOutpost(context.services, context.actor, args.outpost),
  })
  outpostChanged(
    @Root() outpost: OutpostView,
    @Arg("outpost", () => String, { description: ArgDoc.outpost }) _outpost: string,
  ): OutpostView {
    return outpost;
  }
}
