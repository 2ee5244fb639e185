/**
 * What the WebSocket layer (graphql/ws.ts) tells the Outposts about sockets, and all it needs to
 * know of them: on connect, a remote Outpost's agent gets a session (superseding any older one,
 * outpost-sessions.ts) or is refused because its Outpost is gone; on close, the session ends
 * (OFFLINE at once, unless a newer session took over); a rotated agent token still knocking is
 * written into its Outpost's history.
 */
import { LOCAL_OUTPOST } from "@pergola/schema";
import type { Logger } from "pino";
import type { Actor } from "../auth/actor.js";
import type { AgentSession, OutpostSessions } from "./outpost-sessions.js";
import type { OutpostService } from "./outpost.service.js";

export interface AgentConnection {
  /** The session of a remote Outpost's agent; none for any other socket. */
  session?: AgentSession;
  /** Why the socket must be closed (4403), when it must. */
  refusal?: string;
}

export class AgentConnections {
  constructor(
    private readonly sessions: Pick<OutpostSessions, "open" | "close">,
    private readonly outposts: Pick<OutpostService, "recordRejectedToken">,
    private readonly logger: Logger,
  ) {}

  /** A socket authenticated as `actor`; `params` are its `connection_init` payload (the agent's version and public URL). */
  async connect(actor: Actor, params: Readonly<Record<string, unknown>>): Promise<AgentConnection> {
    if (actor.role !== "AGENT" || !actor.outpost || actor.outpost === LOCAL_OUTPOST) return {};
    const publicUrl = text(params.publicUrl, 500);
    const session = await this.sessions.open(actor.outpost, {
      agentVersion: text(params.agentVersion, 100),
      publicUrl: publicUrl && /^https?:\/\//.test(publicUrl) ? publicUrl : undefined,
    });
    return session ? { session } : { refusal: "the Outpost no longer exists" };
  }

  /** The session's socket closed. Never throws: a failure is logged. */
  disconnect(session: AgentSession): void {
    void this.sessions.close(session).catch((error) => this.logger.error({ err: error }, "could not close an agent session"));
  }

  /** A token was refused; if it was a rotated Outpost token, its Outpost's history says so. Never throws. */
  rejected(token: string): void {
    void this.outposts.recordRejectedToken(token).catch((error) => this.logger.warn({ err: error }, "could not record a rejected token"));
  }
}

/** A non-empty string of at most `max` characters; anything else is dropped. */
function text(value: unknown, max: number): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= max ? value : undefined;
}
