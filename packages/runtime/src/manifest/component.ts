/** One entry of `components[]`, checked field by field and normalized. */
import { readDocker, readResources, readScaling } from "./container.js";
import type { ManifestContext } from "./context.js";
import { readEnv, readFiles } from "./env.js";
import { isPresent, readCommand, readDnsLabel, readFields, readOptionalString, readStringList } from "./fields.js";
import { readHealth } from "./health.js";
import type { Component } from "./manifest.type.js";
import { readIngresses, readPorts } from "./network.js";
import type { Scope } from "./problems.js";
import { readSchedule } from "./schedule.js";
import { readStorage } from "./storage.js";

/** Pergola's v1 Component fields, plus our `health`. */
export const COMPONENT_FIELDS = [
  "name",
  "command",
  "args",
  "env",
  "files",
  "ports",
  "ingresses",
  "storage",
  "scheduled",
  "max-retries",
  "scaling",
  "resources",
  "docker",
  "identity",
  "health",
] as const;

/**
 * True when only a container runtime can run the Component: it has `docker` and no `command`.
 * The process runtime refuses such a Component (its Release fails with a message saying so).
 */
export function needsContainerRuntime(component: Pick<Component, "command">): boolean {
  return component.command === undefined;
}

export function readComponent(item: unknown, scope: Scope, context: ManifestContext): Component | undefined {
  const fields = readFields(item, scope, COMPONENT_FIELDS);
  if (!fields) return undefined;
  const before = scope.count;

  const name = readDnsLabel(fields, "name", scope);
  if (name !== undefined) {
    const first = context.names.get(name);
    if (first) scope.at("name").report(`duplicate component name ${name} (also at ${first.path})`);
    else context.names.set(name, scope.at("name"));
  }
  const command = isPresent(fields.command) ? readCommand(fields.command, scope.at("command")) : undefined;
  const args = isPresent(fields.args) ? readStringList(fields.args, scope.at("args"), true) : [];
  const env = readEnv(fields.env, scope.at("env"), name, context);
  const files = readFiles(fields.files, scope.at("files"));
  const beforePorts = scope.count;
  const ports = readPorts(fields.ports, scope.at("ports"));
  const declaredPorts = scope.count === beforePorts ? ports : undefined;
  const ingresses = readIngresses(fields.ingresses, scope.at("ingresses"), declaredPorts, context);
  const storage = readStorage(fields.storage, scope.at("storage"));
  const schedule = readSchedule(fields, scope);
  const scaling = isPresent(fields.scaling) ? readScaling(fields.scaling, scope.at("scaling")) : undefined;
  const resources = isPresent(fields.resources) ? readResources(fields.resources, scope.at("resources")) : undefined;
  const docker = isPresent(fields.docker) ? readDocker(fields.docker, scope.at("docker")) : undefined;
  const identity = readOptionalString(fields, "identity", scope);
  const health = isPresent(fields.health) ? readHealth(fields.health, scope.at("health"), declaredPorts) : undefined;
  if (!isPresent(fields.command) && !isPresent(fields.docker)) scope.report("needs command or docker");

  if (scope.count !== before || name === undefined || args === undefined || schedule === undefined) return undefined;
  return {
    name,
    kind: schedule.kind,
    ...(command !== undefined && { command }),
    args,
    env,
    files,
    ports,
    ingresses,
    storage,
    ...(schedule.scheduled !== undefined && { scheduled: schedule.scheduled }),
    ...(schedule.maxRetries !== undefined && { maxRetries: schedule.maxRetries }),
    ...(scaling !== undefined && { scaling }),
    ...(resources !== undefined && { resources }),
    ...(docker !== undefined && { docker }),
    ...(identity !== undefined && { identity }),
    ...(health !== undefined && { health }),
  };
}
