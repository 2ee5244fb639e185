/**
 * @pergola/runtime — runs Components. For now: the `pergola.yaml` v1 manifest (parse,
 * validate, normalize), shared by the API, the agent and the CLI.
 */
export * from "./manifest/index.js";
