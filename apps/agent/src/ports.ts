/** What the agent's parts need of the process runtime and of the logger: narrow, so tests can give their own. */
import type { Runtime } from "@pergola/runtime";
import type { Logger } from "pino";

export type RuntimeLike = Pick<Runtime, "apply" | "remove" | "status" | "logsSince" | "on" | "off">;
export type AgentLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;
