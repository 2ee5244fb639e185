/**
 * Validation rules shared by the HTTP and WebSocket paths, so a socket gets every limit a
 * request does.
 */
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { NoSchemaIntrospectionCustomRule, type ValidationRule } from "graphql";

export interface SecurityOptions {
  /** Production: no introspection, no schema hints in errors. */
  production: boolean;
}

export function validationRules({ production }: SecurityOptions): ValidationRule[] {
  const rules: ValidationRule[] = [
    // Deep nesting is how one request becomes a thousand SQL statements.
    maxDepthRule({ n: 10, ignoreIntrospection: true, exposeLimits: !production }),
    costLimitRule({ maxCost: 5000, ignoreIntrospection: true, exposeLimits: !production }),
    maxAliasesRule({ n: 15, exposeLimits: !production }),
  ] as ValidationRule[];
  if (production) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
