export { ArtifactError, fetchArtifact, type FetchArtifactOptions, unpackArtifact } from "./artifact.js";
export { getArchiveEntryProblem } from "./archive-rules.js";
