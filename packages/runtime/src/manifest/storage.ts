/** A Component's `storage[]`: volumes mounted at absolute paths. */
import { readAbsolutePath } from "./env.js";
import { isPresent, readDnsLabel, readFields, readList, readRequiredString, readString, reportDuplicates } from "./fields.js";
import type { Storage, StorageType } from "./manifest.type.js";
import type { Scope } from "./problems.js";
import { parseSize } from "./units.js";

const STORAGE_TYPES: readonly StorageType[] = ["standard", "temporary"];

export function readStorage(value: unknown, scope: Scope): Storage[] {
  const names: { value: string; scope: Scope }[] = [];
  const paths: { value: string; scope: Scope }[] = [];
  const storage = readList(value, scope, (item, itemScope) => {
    const volume = readVolume(item, itemScope);
    if (volume) {
      names.push({ value: volume.name, scope: itemScope.at("name") });
      paths.push({ value: volume.path, scope: itemScope.at("path") });
    }
    return volume;
  });
  reportDuplicates(names, (name) => `duplicate storage name ${name}`);
  reportDuplicates(paths, (path) => `duplicate path ${path}`);
  return storage;
}

function readVolume(item: unknown, scope: Scope): Storage | undefined {
  const fields = readFields(item, scope, ["name", "path", "size", "type"]);
  if (!fields) return undefined;
  const before = scope.count;
  const name = readDnsLabel(fields, "name", scope);
  const path = readAbsolutePath(fields, scope);
  const size = readRequiredString(fields, "size", scope);
  const sizeBytes = size === undefined ? undefined : parseSize(size);
  if (size !== undefined && sizeBytes === undefined) scope.at("size").report("not a size (such as 500Mi, 1Gi or 10G)");
  let type: StorageType = "standard";
  if (isPresent(fields.type)) {
    const written = readString(fields.type, scope.at("type"));
    if (written !== undefined && !STORAGE_TYPES.includes(written as StorageType)) {
      scope.at("type").report("must be standard or temporary");
    } else if (written !== undefined) type = written as StorageType;
  }
  if (scope.count !== before || name === undefined || path === undefined || size === undefined || sizeBytes === undefined) {
    return undefined;
  }
  return { name, path, size, sizeBytes, type };
}
