/**
 * `docker`, `scaling` and `resources`: Pergola's container settings. The process runtime does
 * not use them, but they are checked and kept, so the same manifest runs on a container runtime.
 */
import { isPresent, readFields, readInteger, readList, readOptionalString, readRequiredString, readString, type Fields } from "./fields.js";
import type { Docker, Resources, Scaling } from "./manifest.type.js";
import type { Scope } from "./problems.js";
import { isCpuAmount, parseSize } from "./units.js";

export function readDocker(value: unknown, scope: Scope): Docker | undefined {
  const fields = readFields(value, scope, ["image", "file", "build-context", "build-args"]);
  if (!fields) return undefined;
  const before = scope.count;
  if (isPresent(fields.image) && isPresent(fields.file)) {
    scope.report("use either image or file, not both");
    return undefined;
  }
  if (isPresent(fields.image)) {
    const image = readString(fields.image, scope.at("image"));
    for (const key of ["build-context", "build-args"]) {
      if (isPresent(fields[key])) scope.at(key).report("only allowed with file");
    }
    return image === undefined || scope.count !== before ? undefined : { image };
  }
  if (!isPresent(fields.file)) {
    scope.report("needs image or file");
    return undefined;
  }
  const file = readString(fields.file, scope.at("file"));
  const buildContext = readOptionalString(fields, "build-context", scope) ?? ".";
  const buildArgs = readList(fields["build-args"], scope.at("build-args"), readBuildArg);
  return file === undefined || scope.count !== before ? undefined : { file, buildContext, buildArgs };
}

function readBuildArg(item: unknown, scope: Scope): { name: string; value: string } | undefined {
  const fields = readFields(item, scope, ["name", "value"]);
  if (!fields) return undefined;
  const name = readRequiredString(fields, "name", scope);
  if (!isPresent(fields.value)) {
    scope.at("value").report("required");
    return undefined;
  }
  const value = readString(fields.value, scope.at("value"), true);
  return name === undefined || value === undefined ? undefined : { name, value };
}

export function readScaling(value: unknown, scope: Scope): Scaling | undefined {
  const fields = readFields(value, scope, ["min", "max"]);
  if (!fields) return undefined;
  const min = isPresent(fields.min) ? readInteger(fields.min, scope.at("min"), 0) : undefined;
  const max = isPresent(fields.max) ? readInteger(fields.max, scope.at("max"), 1) : undefined;
  if (min !== undefined && max !== undefined && min > max) scope.at("min").report(`must not be greater than max (${max})`);
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

export function readResources(value: unknown, scope: Scope): Resources | undefined {
  const fields = readFields(value, scope, ["cpu", "memory"]);
  if (!fields) return undefined;
  const cpu = readCpu(fields, scope.at("cpu"));
  const memory = readMemory(fields, scope.at("memory"));
  return { ...(cpu !== undefined && { cpu }), ...(memory !== undefined && { memory }) };
}

function readCpu(fields: Fields, scope: Scope): string | undefined {
  const value = fields.cpu;
  if (!isPresent(value)) return undefined;
  const text = typeof value === "number" ? String(value) : readString(value, scope);
  if (text !== undefined && !isCpuAmount(text)) {
    scope.report("not a CPU amount (such as 500m or 2)");
    return undefined;
  }
  return text;
}

function readMemory(fields: Fields, scope: Scope): string | undefined {
  const value = fields.memory;
  if (!isPresent(value)) return undefined;
  if (typeof value === "number") {
    scope.report(`must be a size with a unit, such as "512Mi"`);
    return undefined;
  }
  const text = readString(value, scope);
  if (text !== undefined && parseSize(text) === undefined) {
    scope.report("not a size (such as 512Mi or 2Gi)");
    return undefined;
  }
  return text;
}
