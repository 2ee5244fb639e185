/**
 * How a tool is declared: a name, a description, a zod input shape, a zod result shape and
 * annotations; its `run` returns the typed result (`structuredContent`, checked against the
 * result shape by the compiler and again by the SDK) and a short text for the assistant to read.
 *
 * Nothing a tool throws crashes the server: an API error (NOT_FOUND, FORBIDDEN, STATE_CONFLICT,
 * BAD_USER_INPUT…) or a refusal of our own becomes a tool error (`isError: true`) whose text is
 * `<CODE>: <message>` — the API's code and message as it answered them.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { CliError } from "../errors.js";

/** The annotations of a tool that only reads. */
export const READ_ONLY = { readOnlyHint: true, idempotentHint: true } as const;
/** The annotations of a tool that changes something (destructive unless said otherwise). */
export const CHANGES = { readOnlyHint: false, destructiveHint: true, idempotentHint: false } as const;

/** A tool's answer before it is wrapped: the typed result and its one-paragraph summary. */
export interface ToolAnswer<Result> {
  result: Result;
  text: string;
}

/** A refusal decided here, before anything is sent (a PROD Stage without confirm, a missing object). */
export class ToolRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function notFound(what: string): ToolRefusal {
  return new ToolRefusal("NOT_FOUND", `${what} not found`);
}

export interface ToolSpec<Input extends z.ZodRawShape, Output extends z.ZodRawShape> {
  title: string;
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotations;
}

export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(
  server: McpServer,
  name: string,
  spec: ToolSpec<Input, Output>,
  run: (args: z.output<z.ZodObject<Input>>) => Promise<ToolAnswer<z.output<z.ZodObject<Output>>>>,
): void {
  server.registerTool(
    name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input as z.ZodRawShape,
      outputSchema: spec.output,
      annotations: { title: spec.title, openWorldHint: false, ...spec.annotations },
    },
    async (args): Promise<CallToolResult> => {
      try {
        // The SDK has parsed them with `input` (its callback's type cannot follow a generic shape).
        const answer = await run(args as z.output<z.ZodObject<Input>>);
        return { content: [{ type: "text", text: answer.text }], structuredContent: answer.result };
      } catch (error) {
        return { content: [{ type: "text", text: errorText(error) }], isError: true };
      }
    },
  );
}

/** `<CODE>: <message>`: the API's own words where it answered, else what went wrong here. */
export function errorText(error: unknown): string {
  if (error instanceof ToolRefusal) return `${error.code}: ${error.message}`;
  if (error instanceof CliError) {
    if (!error.code) return error.message;
    // The API's words get the way out added; the CLI's own (an ended session) already say it.
    if (error.code === "UNAUTHENTICATED")
      return error.apiMessage
        ? `UNAUTHENTICATED: ${error.apiMessage} (pergola mcp uses the login saved by pergola login, or PERGOLA_ACCESS_KEY: log in again)`
        : `UNAUTHENTICATED: ${error.message}`;
    const details = error.details.map((d) => `\n${d.trim()}`).join("");
    return `${error.code}: ${error.apiMessage ?? error.message}${details}`;
  }
  return `INTERNAL_ERROR: ${error instanceof Error ? error.message : String(error)}`;
}
