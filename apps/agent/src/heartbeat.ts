/**
 * Application-level heartbeats (docs/design.md, "Outpost and OutpostLink"): WebSocket pings alone do not say the agent
 * still works (a frozen process's kernel answers TCP), so the agent sends `heartbeat` every
 * interval the server asks for (5 s by default), each carrying the round trip of the previous
 * one. A refusal (a superseded session) is logged once per change, not on every beat. The
 * answers also say which Outpost the token acts for: `getState()` tells /healthz.
 */
import type { Client } from "graphql-ws";
import { getSource } from "@pergola/schema";
import { AgentHeartbeatDocument, type AgentHeartbeatMutation, type AgentHeartbeatMutationVariables } from "@pergola/schema/generated";
import type { AgentLogger } from "./ports.js";

type HeartbeatAnswer = AgentHeartbeatMutation["heartbeat"];

export interface HeartbeatState {
  /** The server accepted the last heartbeat answered on this connection; false until one is. */
  accepted: boolean;
  /** The Outpost the server says this token acts for; null until a heartbeat is answered. */
  outpost: string | null;
  /** Why the server refuses this session's heartbeats (a superseded session); null while it does not. */
  refused: string | null;
}

export class Heartbeater {
  private timer?: NodeJS.Timeout;
  private running = false;
  private latencyMs: number | null = null;
  private refused: string | null = null;
  private accepted = false;
  private outpost: string | null = null;
  /** Counts start()s: the answer to a beat of an earlier connection changes nothing. */
  private generation = 0;

  constructor(
    private readonly client: Client,
    private readonly logger: AgentLogger,
    private intervalMs = 5000,
  ) {}

  /** On every (re)connect: one beat now, then one every interval. */
  start(): void {
    this.stop();
    this.running = true;
    void this.beat(++this.generation);
  }

  getState(): HeartbeatState {
    return { accepted: this.accepted, outpost: this.outpost, refused: this.refused };
  }

  stop(): void {
    this.running = false;
    this.accepted = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async beat(generation: number): Promise<void> {
    const current = () => this.running && generation === this.generation;
    if (!current()) return;
    const sentAt = performance.now();
    try {
      const answer = await this.send();
      this.latencyMs = Math.round(performance.now() - sentAt);
      if (answer.intervalSeconds > 0) this.intervalMs = answer.intervalSeconds * 1000;
      if (!current()) return;
      if (answer.accepted && !this.accepted) {
        // Once per connection: the line a watcher (or a test) waits for before /healthz says ok.
        this.logger.info({ outpost: answer.outpost }, `heartbeats accepted: Outpost ${answer.outpost}`);
      }
      this.accepted = answer.accepted;
      this.outpost = answer.outpost;
      const reason = answer.accepted ? null : (answer.reason ?? "refused");
      if (reason !== this.refused) {
        if (reason) this.logger.error({ reason }, `heartbeat refused by the server: ${reason}`);
        else if (this.refused) this.logger.info("heartbeats accepted again");
        this.refused = reason;
      }
    } catch (error) {
      this.logger.debug({ err: error }, "heartbeat not answered");
    }
    if (!current()) return;
    this.timer = setTimeout(() => void this.beat(generation), this.intervalMs);
    this.timer.unref();
  }

  private send(): Promise<HeartbeatAnswer> {
    return new Promise((resolve, reject) => {
      let answer: HeartbeatAnswer | undefined;
      const variables: AgentHeartbeatMutationVariables = { l: this.latencyMs };
      this.client.subscribe<AgentHeartbeatMutation>(
        { query: getSource(AgentHeartbeatDocument), variables },
        {
          next: (result) => (answer = result.data?.heartbeat ?? undefined),
          error: reject,
          complete: () => (answer ? resolve(answer) : reject(new Error("heartbeat answered without data"))),
        },
      );
    });
  }
}
