/** Counts and times the GraphQL operations answered over HTTP (the socket's are counted in graphql/ws.ts). */
import type { ApolloServerPlugin } from "@apollo/server";
import type { Context } from "../context.js";
import type { Metrics } from "./metrics.js";

export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, response }) {
          // A document that does not parse or validate names no operation: not counted.
          if (!operation) return;
          const failed = response.body.kind === "single" && Boolean(response.body.singleResult.errors?.length);
          metrics.operation(operation.operation, failed, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
