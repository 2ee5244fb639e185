/**
 * Validation rules shared by the HTTP and WebSocket paths, so a socket gets every limit a
 * request does.
 */
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext, type ValidationRule } from "graphql";

export interface SecurityOptions {
  /** Production: no introspection, no schema hints in errors. */
  production: boolean;
}

/**
 * graphql-armor's rules throw on rejection by default (`propagateOnRejection`); the throw
 * escapes `validate()` and Apollo answers it with a 500. Reported instead, a rejection is an
 * ordinary validation error (BAD_USER_INPUT) on HTTP and WebSocket alike.
 */
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

export function validationRules({ production }: SecurityOptions): ValidationRule[] {
  const rules: ValidationRule[] = [
    // Deep nesting is how one request becomes a thousand SQL statements.
    maxDepthRule({ n: 10, ignoreIntrospection: true, exposeLimits: !production, ...report }),
    costLimitRule({ maxCost: 5000, ignoreIntrospection: true, exposeLimits: !production, ...report }),
    maxAliasesRule({ n: 15, exposeLimits: !production, ...report }),
  ] as ValidationRule[];
  if (production) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
