/** What every resolver receives. Built per HTTP request and once per WebSocket connection. */
import type { Actor } from "./auth/token.service.js";
import type { Services } from "./services.js";
import { createLoaders, type Loaders } from "./loaders.js";

export interface Context {
  actor: Actor;
  services: Services;
  loaders: Loaders;
}

export function createContext(services: Services, actor: Actor): Context {
  return { actor, services, loaders: createLoaders(services) };
}
