/**
 * Validation rules shared by the HTTP and WebSocket paths, so a socket gets every limit a
 * request does.
 */
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  GraphQLError,
  Lexer,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  Source,
  TokenKind,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/**
 * graphql-js parses by recursion, so a document's size is bounded in tokens before it is parsed
 * (a 3,000-fragment chain overflowed the stack of the rules that follow spreads). Every operation
 * of the dashboard and the CLI together has under 1,800 tokens.
 */
export const PARSE_OPTIONS: ParseOptions = { maxTokens: 2000 };

/** Brackets (`[`, `{`, `(`) nested deeper than this are refused before parsing. */
export const MAX_NESTING = 64;

/**
 * The token limit alone is not enough: 2,000 nested `[` still overflow the parser's stack. The
 * lexer reads without recursion, so nesting is measured with it first (HTTP: server.ts's
 * middleware before Apollo; socket: shared-execution.ts's DocumentCache). A lexical error is left
 * for the parser to report.
 */
export function checkNesting(query: string): GraphQLError | undefined {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  try {
    for (let tokens = 0; tokens <= (PARSE_OPTIONS.maxTokens ?? Number.POSITIVE_INFINITY); tokens++) {
      const { kind } = lexer.advance();
      if (kind === TokenKind.EOF) break;
      if (kind === TokenKind.BRACKET_L || kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L) depth++;
      else if (kind === TokenKind.BRACKET_R || kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R) depth--;
      if (depth > MAX_NESTING) {
        return new GraphQLError(`Syntax Error: brackets nested more than ${MAX_NESTING} deep`, { extensions: { code: "BAD_USER_INPUT" } });
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

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

/** The cost limit is not among these: it needs the variables (query-cost.ts). */
export function validationRules({ production }: SecurityOptions): ValidationRule[] {
  const rules: ValidationRule[] = [
    // Deep nesting is how one request becomes a thousand SQL statements. It counts each fragment
    // spread as a level (flattenFragments: false), so it also bounds chains of fragments.
    maxDepthRule({ n: 10, ignoreIntrospection: true, exposeLimits: !production, ...report }),
    maxAliasesRule({ n: 15, exposeLimits: !production, ...report }),
  ] as ValidationRule[];
  if (production) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
