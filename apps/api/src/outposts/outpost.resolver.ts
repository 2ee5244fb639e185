/**
 * Outposts: admins register, rotate, delete and grant them to Projects; anyone who may create a
 * Stage validates a URI (seeing only Outposts granted to their Projects); agents heartbeat.
 * `outpostChanged` sends the Outpost as it is, then again on every change.
 */
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../context.js";
import { authorize, can } from "../auth/policy.js";
import { Project } from "../projects/project.type.js";
import { CreateOutpostInput } from "./outpost.input.js";
import type { OutpostView } from "./outpost.service.js";
import { HeartbeatResult, Outpost, OutpostCredentials, OutpostHistoryEntry, OutpostValidation } from "./outpost.type.js";
import { streamOutpost } from "./outpost-stream.js";

@Resolver(() => Outpost)
export class OutpostResolver {
  @Query(() => [Outpost], { description: "Admins only." })
  outposts(@Ctx() { actor, services }: Context) {
    return services.outposts.listOutposts(actor);
  }

  @Query(() => Outpost, { nullable: true, description: "Admins only." })
  outpost(@Arg("slug", () => String) slug: string, @Ctx() { actor, services }: Context) {
    return services.outposts.getOutpost(actor, slug);
  }

  @Query(() => OutpostValidation, { description: "Checks an outpost://<slug> URI and tells what the Outpost is; `problems` say what is wrong (or, as warnings, worth knowing)." })
  validateOutpostUri(@Arg("uri", () => String) uri: string, @Ctx() { actor, services }: Context) {
    return services.outposts.validateUri(actor, uri);
  }

  @Mutation(() => OutpostCredentials, { description: "Admins only. The agent token is shown here once." })
  createOutpost(@Arg("input", () => CreateOutpostInput) input: CreateOutpostInput, @Ctx() { actor, services }: Context) {
    return services.outposts.createOutpost(actor, input);
  }

  @Mutation(() => OutpostCredentials, { description: "Admins only. The old token stops working; its open sockets are closed." })
  rotateOutpostToken(@Arg("slug", () => String) slug: string, @Ctx() { actor, services }: Context) {
    return services.outposts.rotateToken(actor, slug);
  }

  @Mutation(() => Boolean, { description: "Admins only. STATE_CONFLICT while Stages live on it." })
  deleteOutpost(@Arg("slug", () => String) slug: string, @Ctx() { actor, services }: Context) {
    return services.outposts.deleteOutpost(actor, slug);
  }

  @Mutation(() => Outpost, { description: "Admins only. Members of the Project may then place Stages on the Outpost (and see it). Granting twice changes nothing." })
  grantOutpost(@Arg("outpost", () => String) outpost: string, @Arg("project", () => String) project: string, @Ctx() { actor, services }: Context) {
    return services.outpostGrants.grant(actor, outpost, project);
  }

  @Mutation(() => Outpost, { description: "Admins only. STATE_CONFLICT, naming them, while the Project has Stages on the Outpost." })
  revokeOutpost(@Arg("outpost", () => String) outpost: string, @Arg("project", () => String) project: string, @Ctx() { actor, services }: Context) {
    return services.outpostGrants.revoke(actor, outpost, project);
  }

  @Mutation(() => HeartbeatResult, { description: "Agents only, over their socket: I am alive. `latencyMs` is the round trip of the previous heartbeat." })
  heartbeat(@Arg("latencyMs", () => Int, { nullable: true }) latencyMs: number | null, @Ctx() { actor, services, agentSession }: Context) {
    authorize(actor, "agent.act", undefined);
    // The local agent runs beside the API: nothing to watch.
    if (!agentSession) return { accepted: true, reason: null, intervalSeconds: 5 };
    const latency = latencyMs == null || !Number.isFinite(latencyMs) ? null : Math.max(0, Math.min(Math.round(latencyMs), 600_000));
    return services.outpostSessions.heartbeat(agentSession, latency);
  }

  @FieldResolver(() => [OutpostHistoryEntry], { nullable: true, description: "Newest first. Admins only (null for others)." })
  history(@Root() outpost: OutpostView, @Arg("last", () => Int, { defaultValue: 20 }) last: number, @Ctx() { actor, services }: Context) {
    if (!can(actor, "outpost.inspect", undefined)) return null;
    return services.outposts.history(outpost.id, last);
  }

  @FieldResolver(() => [Project], { description: "The Projects whose Stages it may run (grantOutpost); to a non-admin, only their own." })
  projects(@Root() outpost: OutpostView, @Ctx() { actor, services }: Context) {
    return services.outpostGrants.listProjects(actor, outpost.id);
  }

  @Subscription(() => Outpost, {
    description: "Admins only: the Outpost as it is now, then again after every change (status, heartbeat, history).",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { outpost: string }, Context>) => streamOutpost(context.services, context.actor, args.outpost),
  })
  outpostChanged(@Root() outpost: OutpostView, @Arg("outpost", () => String) _outpost: string): OutpostView {
    return outpost;
  }
}
