/** A Stage's health, from the Components of the Release serving it. */
import type { Health } from "@pergola/schema";

/** Services decide a Stage's health; jobs and cron runs come and go. */
export function deriveStageHealth(components: readonly { kind: string; health: string }[]): Health {
  const services = components.filter((c) => c.kind === "SERVICE");
  const judged = services.filter((c) => c.health !== "UNKNOWN");
  if (services.length === 0 || judged.length < services.length) return "UNKNOWN";
  const healthy = judged.filter((c) => c.health === "HEALTHY").length;
  return healthy === judged.length ? "HEALTHY" : healthy === 0 ? "UNHEALTHY" : "DEGRADED";
}
