export type { Backoff } from "@pergola/schema/time";
export { getStorageEnvName } from "./launch.js";
export type { PidRecord, ReapedProcess, ReapOutcome } from "./pid-records.js";
export { readTreeUsage, type TreeUsage } from "./proc-usage.js";
export {
  DEFAULT_RECOVER_GRACE_MS,
  DEFAULT_RESTART,
  DEFAULT_DRAIN_MS,
  DEFAULT_RETRY,
  DEFAULT_ROLLOUT_TIMEOUT_MS,
  ProcessRuntime,
  type ProcessRuntimeOptions,
} from "./process-runtime.js";
export { chownTree, findUnpassableAncestor, getStageDirs, secureDataDir } from "./stage-sandbox.js";
export { DEFAULT_STAGE_USER_PREFIX, getStageUserName, type StageUser } from "./stage-users.js";
export type {
  ChangeListener,
  ComponentControl,
  ComponentHealth,
  ComponentState,
  ComponentStatus,
  ReleaseSpec,
  Runtime,
  ServingRelease,
} from "./runtime.type.js";
