/** What every resolver receives. Built per HTTP request and once per WebSocket connection. */
import type { Actor } from "./auth/token.service.js";
import type { AgentSession } from "./outposts/outpost-sessions.js";
import type { Services } from "./services.js";
import { createLoaders, type Loaders } from "./loaders.js";

export interface Context {
  actor: Actor;
  services: Services;
  loaders: Loaders;
  /** The caller's address (the sign-in rate limit counts by it). */
  address?: string;
  /** On the socket of a remote Outpost's agent: its session (reports and heartbeats name it). */
  agentSession?: AgentSession;
}

export function createContext(services: Services, actor: Actor, address?: string): Context {
  // Every field from the start (agentSession is set on an agent's socket later): an object that
  // gains a field later grows a separate array for it.
  return { actor, services, loaders: createLoaders(services), address, agentSession: undefined };
}
