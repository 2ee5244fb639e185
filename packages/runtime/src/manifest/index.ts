export { COMPONENT_FIELDS, needsContainerRuntime } from "./component.js";
export { HEALTH_DEFAULTS } from "./health.js";
export type {
  Component,
  ComponentKind,
  Docker,
  EnvVar,
  FileMount,
  Health,
  HealthProbe,
  Ingress,
  Manifest,
  ManifestResult,
  Resources,
  Scaling,
  Storage,
  StorageType,
} from "./manifest.type.js";
export { MANIFEST_FILE_NAMES, parseManifest } from "./parse-manifest.js";
export { formatPath, formatProblem, type PathPart, type Problem } from "./problems.js";
export { DEFAULT_MAX_RETRIES, getComponentKind, getCronProblem, RELEASE_SCHEDULE } from "./schedule.js";
export { MANIFEST_VERSION, validateManifest } from "./validate-manifest.js";
