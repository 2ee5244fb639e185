export { ArtifactError, fetchArtifact, type FetchArtifactOptions, unpackArtifact } from "./artifact.js";
export {
  type ArchiveLimits,
  ArchiveRefusal,
  type ArchiveRefusalKind,
  type ArchiveSummary,
  DEFAULT_ARCHIVE_LIMITS,
  inspectArchive,
} from "./archive-inspect.js";
export { ArchiveJudge, type ArchiveProblem } from "./archive-rules.js";
