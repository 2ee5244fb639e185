/**
 * A runtime failure behind what GraphQL calls a parse or input error (a stack overflow, say)
 * reaches the client as BAD_USER_INPUT without the runtime's words, and is logged once with its
 * stack (errors.ts, createFormatError).
 */
import { GraphQLError } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createFormatError } from "./errors.js";

describe("runtime failures behind input errors", () => {
  it.each(["GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"])("masks a RangeError wrapped as %s and logs its stack once", (code) => {
    const lines: { msg: string; err?: { stack?: string } }[] = [];
    const format = createFormatError({
      logger: pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) }),
      hideSchemaDetails: true,
    });
    const overflow = new RangeError("Maximum call stack size exceeded");
    const error = new GraphQLError(overflow.message, { originalError: overflow, extensions: { code } });
    const answer = format({ message: error.message, extensions: { code } }, error);
    expect(answer.extensions?.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(answer)).not.toMatch(/call stack|RangeError/);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.err?.stack).toMatch(/RangeError: Maximum call stack/);
  });

  it("keeps GraphQL's own parse errors as they are", () => {
    const format = createFormatError({ logger: pino({ level: "silent" }), hideSchemaDetails: true });
    const error = new GraphQLError("Syntax Error: Expected Name, found <EOF>.", { extensions: { code: "GRAPHQL_PARSE_FAILED" } });
    expect(format({ message: error.message, extensions: { code: "GRAPHQL_PARSE_FAILED" } }, error)).toMatchObject({
      message: error.message,
      extensions: { code: "BAD_USER_INPUT" },
    });
  });
});
