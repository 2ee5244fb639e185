export { ArtifactError, fetchArtifact, type FetchArtifactOptions, unpackArtifact } from "./artifact.js";
