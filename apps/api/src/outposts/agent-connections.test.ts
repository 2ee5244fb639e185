/**
 * What an agent's socket means to its Outpost, apart from the socket: which actors get a session,
 * what of the agent's connection_init is kept, and a session that cannot be opened or closed.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor.js";
import { AgentConnections } from "./agent-connections.js";
import type { AgentSession } from "./outpost-sessions.js";
import type { AgentFacts } from "./session-opener.js";

const agentOf = (outpost: string): Actor => ({
  role: "AGENT",
  tokenId: "t1",
  kind: "AGENT",
  name: `agent of ${outpost}`,
  userId: null,
  email: null,
  keyName: "",
  readOnly: false,
  outpost,
});
const admin: Actor = { ...agentOf("x"), role: "ADMIN", kind: "SESSION", outpost: null, userId: "u1" };

/** Sessions as OutpostSessions answers them, for an Outpost that exists (or not), recording each call. */
function sessions(exists = true, closeFails = false) {
  const opened: { slug: string; facts: AgentFacts }[] = [];
  const closed: AgentSession[] = [];
  return {
    opened,
    closed,
    async open(slug: string, facts: AgentFacts): Promise<AgentSession | null> {
      opened.push({ slug, facts });
      return exists ? { outpostId: "o1", slug, epoch: 4, intervalSeconds: 10 } : null;
    },
    async close(session: AgentSession): Promise<void> {
      if (closeFails) throw new Error("database gone");
      closed.push(session);
    },
  };
}

const silent = pino({ level: "silent" });
const noOutposts = { recordRejectedToken: async () => {} };

describe("AgentConnections", () => {
  it("opens no session for a user or for the local Outpost's agent", async () => {
    const s = sessions();
    const connections = new AgentConnections(s, noOutposts, silent);
    expect(await connections.connect(admin, {})).toEqual({});
    expect(await connections.connect(agentOf("local"), {})).toEqual({});
    expect(s.opened).toEqual([]);
  });

  it("opens a session for a remote Outpost's agent, keeping only a bounded version and an http(s) URL", async () => {
    const s = sessions();
    const connections = new AgentConnections(s, noOutposts, silent);
    const kept = await connections.connect(agentOf("berlin"), { agentVersion: "pergola-agent/1.2", publicUrl: "https://agent.example" });
    expect(kept).toEqual({ session: { outpostId: "o1", slug: "berlin", epoch: 4, intervalSeconds: 10 } });
    await connections.connect(agentOf("berlin"), { agentVersion: "v".repeat(101), publicUrl: "file:///etc/passwd" });
    await connections.connect(agentOf("berlin"), { agentVersion: 7, publicUrl: "" });
    expect(s.opened.map((o) => o.facts)).toEqual([
      { agentVersion: "pergola-agent/1.2", publicUrl: "https://agent.example" },
      { agentVersion: undefined, publicUrl: undefined },
      { agentVersion: undefined, publicUrl: undefined },
    ]);
  });

  it("refuses the agent of an Outpost that no longer exists", async () => {
    const connections = new AgentConnections(sessions(false), noOutposts, silent);
    expect(await connections.connect(agentOf("gone"), {})).toEqual({ refusal: "the Outpost no longer exists" });
  });

  it("ends the session on disconnect, and a failure to end it never reaches the socket", async () => {
    const s = sessions();
    const session = { outpostId: "o1", slug: "berlin", epoch: 4, intervalSeconds: 10 };
    new AgentConnections(s, noOutposts, silent).disconnect(session);
    await expect.poll(() => s.closed).toEqual([session]);
    expect(() => new AgentConnections(sessions(true, true), noOutposts, silent).disconnect(session)).not.toThrow();
  });

  it("hands a refused token to the Outposts, and swallows their failure", async () => {
    const seen: string[] = [];
    new AgentConnections(sessions(), { recordRejectedToken: async (token) => void seen.push(token) }, silent).rejected("pgl_old");
    expect(seen).toEqual(["pgl_old"]);
    expect(() =>
      new AgentConnections(sessions(), { recordRejectedToken: async () => Promise.reject(new Error("down")) }, silent).rejected("pgl_old"),
    ).not.toThrow();
  });
});
