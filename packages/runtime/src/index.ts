/**
 * @pergola/runtime — runs Components: the `pergola.yaml` v1 manifest (parse, validate,
 * normalize), shared by the API, the agent and the CLI, and the `Runtime` interface with its
 * first implementation, the process runtime; the artifact fetcher that gets a Release's files;
 * and what every links gateway shares (the API's, and an Outpost Agent's).
 */
export * from "./artifact/index.js";
export * from "./links/index.js";
export * from "./manifest/index.js";
export * from "./process/index.js";
