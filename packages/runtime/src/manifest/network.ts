/** A Component's `ports[]` and `ingresses[]`: what it listens on and which of it is shared as a link. */
import type { ManifestContext } from "./context.js";
import { isPresent, readDnsLabel, readFields, readInteger, readList, readString, reportDuplicates } from "./fields.js";
import type { Ingress } from "./manifest.type.js";
import type { Scope } from "./problems.js";

export function readPorts(value: unknown, scope: Scope): number[] {
  const seen: { value: number; scope: Scope }[] = [];
  const ports = readList(value, scope, (item, itemScope) => {
    const port = readPort(item, itemScope);
    if (port !== undefined) seen.push({ value: port, scope: itemScope });
    return port;
  });
  reportDuplicates(seen, (port) => `duplicate port ${port}`);
  return [...new Set(ports)];
}

export function readPort(value: unknown, scope: Scope): number | undefined {
  return readInteger(value, scope, 1, 65535);
}

/**
 * `port` must be one of `ports`: a link or a probe to a port the Component does not declare is
 * a typo. `ports` is undefined when they have problems of their own; then only the type is checked.
 */
export function readDeclaredPort(value: unknown, scope: Scope, ports: readonly number[] | undefined): number | undefined {
  if (!isPresent(value)) {
    scope.report("required");
    return undefined;
  }
  const port = readPort(value, scope);
  if (port === undefined || ports === undefined || ports.includes(port)) return port;
  scope.report(
    ports.length === 0 ? "not one of the component's ports (it declares none)" : `not one of the component's ports (${ports.join(", ")})`,
  );
  return undefined;
}

export function readIngresses(value: unknown, scope: Scope, ports: readonly number[] | undefined, context: ManifestContext): Ingress[] {
  return readList(value, scope, (item, itemScope) => readIngress(item, itemScope, ports, context));
}

function readIngress(item: unknown, scope: Scope, ports: readonly number[] | undefined, context: ManifestContext): Ingress | undefined {
  const fields = readFields(item, scope, ["host", "path", "port"]);
  if (!fields) return undefined;
  const before = scope.count;
  const host = readDnsLabel(fields, "host", scope);
  const path = isPresent(fields.path) ? readString(fields.path, scope.at("path")) : "/";
  if (path !== undefined && (!path.startsWith("/") || /[\s?#]/.test(path))) {
    scope.at("path").report("must be a URL path starting with / (no spaces, ? or #)");
  }
  const port = readDeclaredPort(fields.port, scope.at("port"), ports);
  if (scope.count !== before || host === undefined || path === undefined || port === undefined) return undefined;

  const route = `${host} ${path}`;
  const first = context.routes.get(route);
  if (first) scope.report(`host ${host} with path ${path} is already used by ${first.path}`);
  else context.routes.set(route, scope);
  return { host, path, port };
}
