/** A Component's `env[]` and `files[]`: where its settings come from. */
import type { ManifestContext } from "./context.js";
import { isPresent, readFields, readList, readOptionalString, readRequiredString, readString, reportDuplicates } from "./fields.js";
import type { EnvVar, FileMount } from "./manifest.type.js";
import type { Scope } from "./problems.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readEnv(value: unknown, scope: Scope, componentName: string | undefined, context: ManifestContext): EnvVar[] {
  const names: { value: string; scope: Scope }[] = [];
  const env = readList(value, scope, (item, itemScope) => {
    const entry = readEnvVar(item, itemScope, componentName, context);
    if (entry) names.push({ value: entry.name, scope: itemScope.at("name") });
    return entry;
  });
  reportDuplicates(names, (name) => `duplicate variable ${name}`);
  return env;
}

function readEnvVar(item: unknown, scope: Scope, componentName: string | undefined, context: ManifestContext): EnvVar | undefined {
  const fields = readFields(item, scope, ["name", "value", "config-ref", "component-ref"]);
  if (!fields) return undefined;
  const before = scope.count;
  const name = readRequiredString(fields, "name", scope);
  if (name !== undefined && !ENV_NAME.test(name)) {
    scope.at("name").report("not a valid variable name (letters, digits and _, not starting with a digit)");
  }
  const hasValue = isPresent(fields.value);
  const hasConfigRef = isPresent(fields["config-ref"]);
  const hasComponentRef = isPresent(fields["component-ref"]);
  const value = hasValue ? readString(fields.value, scope.at("value"), true) : undefined;
  const configRef = readOptionalString(fields, "config-ref", scope);
  const componentRef = readOptionalString(fields, "component-ref", scope);

  if (hasConfigRef && hasComponentRef) scope.report("use either config-ref or component-ref, not both");
  else if (hasComponentRef && hasValue) scope.at("value").report("not allowed beside component-ref");
  else if (!hasValue && !hasConfigRef && !hasComponentRef) scope.report("needs value, config-ref or component-ref");

  if (componentRef !== undefined) {
    if (componentRef === componentName) scope.at("component-ref").report("a component cannot refer to itself");
    else if (!context.componentNames.has(componentRef)) {
      scope.at("component-ref").report(`no component named "${componentRef}" in this manifest`);
    }
  }
  if (scope.count !== before || name === undefined) return undefined;
  if (configRef !== undefined) return value === undefined ? { name, configRef } : { name, configRef, value };
  if (componentRef !== undefined) return { name, componentRef };
  return { name, value: value ?? "" };
}

export function readFiles(value: unknown, scope: Scope): FileMount[] {
  const paths: { value: string; scope: Scope }[] = [];
  const files = readList(value, scope, (item, itemScope) => {
    const file = readFile(item, itemScope);
    if (file) paths.push({ value: file.path, scope: itemScope.at("path") });
    return file;
  });
  reportDuplicates(paths, (path) => `duplicate path ${path}`);
  return files;
}

function readFile(item: unknown, scope: Scope): FileMount | undefined {
  const fields = readFields(item, scope, ["path", "config-ref", "content"]);
  if (!fields) return undefined;
  const before = scope.count;
  const path = readAbsolutePath(fields, scope);
  const configRef = readOptionalString(fields, "config-ref", scope);
  const hasContent = isPresent(fields.content);
  const content = hasContent ? readString(fields.content, scope.at("content"), true) : undefined;
  if (isPresent(fields["config-ref"]) && hasContent) scope.report("use either config-ref or content, not both");
  else if (!isPresent(fields["config-ref"]) && !hasContent) scope.report("needs config-ref or content");
  if (scope.count !== before || path === undefined) return undefined;
  return configRef !== undefined ? { path, configRef } : { path, content: content ?? "" };
}

/** `path`, required and absolute (files and storage are placed at absolute paths). */
export function readAbsolutePath(fields: Record<string, unknown>, scope: Scope): string | undefined {
  const path = readRequiredString(fields, "path", scope);
  if (path !== undefined && !path.startsWith("/")) {
    scope.at("path").report("must be an absolute path (starting with /)");
    return undefined;
  }
  return path;
}
