/**
 * The CLI's only way to the API: GraphQL over HTTP (queries, mutations), `POST /artifacts`, and
 * graphql-ws for subscriptions — all with the typed documents from packages/schema. Every
 * failure leaves as a CliError (see errors.ts).
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { getSource, type TypedDocument } from "@pergola/schema";
import { sessionEndedMessage, type Connection } from "./config.js";
import { CliError, fromApiError, unreachable, type ApiErrorBody } from "./errors.js";
import { ExitCode } from "./exit-codes.js";

/** What a subscription's handler answers: "stop" ends the subscription, anything else goes on. */
type OnData = "stop" | undefined | Promise<"stop" | undefined>;

/** What the API says to a credential it does not take, for the answers that carry no message. */
const UNAUTHORIZED = "Unknown, disabled or expired access key or session";

export class ApiClient {
  private socket: Client | undefined;

  constructor(readonly connection: Connection) {}

  private requireKey(): string {
    if (!this.connection.token)
      throw new CliError(
        `no access key: run pergola login --endpoint ${this.connection.endpoint} --email <email> (or --access-key <token>), or pass --access-key or PERGOLA_ACCESS_KEY`,
        ExitCode.UNAUTHENTICATED,
      );
    // A saved session past its end: say so without asking the API.
    if (this.connection.session && Date.parse(this.connection.session.expiresAt) <= Date.now())
      throw new CliError(
        `not authenticated: ${sessionEndedMessage(this.connection.session)}`,
        ExitCode.UNAUTHENTICATED,
        [],
        "UNAUTHENTICATED",
      );
    return this.connection.token;
  }

  /** A 401 on a saved session means it ended: the way out is to log in again, not to check a key. */
  private refused(error: CliError): CliError {
    if (error.code !== "UNAUTHENTICATED" || !this.connection.session) return error;
    return new CliError(`not authenticated: ${sessionEndedMessage(this.connection.session)}`, ExitCode.UNAUTHENTICATED, [], error.code);
  }

  /**
   * A query or mutation. `anonymous`: without the Authorization header (signIn, the one
   * operation the API takes from anonymous callers).
   */
  async request<R, V>(document: TypedDocument<R, V>, variables?: V, options: { anonymous?: boolean } = {}): Promise<R> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (!options.anonymous) headers.authorization = `Bearer ${this.requireKey()}`;
    let res: Response;
    try {
      res = await fetch(`${this.connection.endpoint}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query: getSource(document), variables }),
      });
    } catch (error) {
      throw unreachable(this.connection.endpoint, error);
    }
    const body = await readJson<{ data?: R | null; errors?: ApiErrorBody[] }>(res, this.connection.endpoint);
    if (body.errors?.length) throw this.refused(fromApiError(body.errors[0]!));
    if (!res.ok || !body.data) throw this.refused(httpError(res.status, this.connection.endpoint));
    return body.data;
  }

  /** `POST /artifacts?project=` with a tar.gz, for that Project; the API answers its SHA-256. */
  async uploadArtifact(bytes: Buffer, project: string): Promise<{ sha256: string; size: number }> {
    const key = this.requireKey();
    let res: Response;
    try {
      res = await fetch(`${this.connection.endpoint}/artifacts?project=${encodeURIComponent(project)}`, {
        method: "POST",
        headers: { "content-type": "application/gzip", authorization: `Bearer ${key}` },
        body: new Uint8Array(bytes),
      });
    } catch (error) {
      throw unreachable(this.connection.endpoint, error);
    }
    const body = await readJson<{
      sha256?: string;
      size?: number;
      error?: string;
      message?: string;
      code?: string;
      errors?: ApiErrorBody[];
    }>(res, this.connection.endpoint);
    if (res.status === 201 && body.sha256) return { sha256: body.sha256, size: body.size ?? bytes.length };
    if (body.errors?.length) throw this.refused(fromApiError(body.errors[0]!));
    if (res.status === 401)
      throw this.refused(fromApiError({ message: body.message ?? UNAUTHORIZED, extensions: { code: "UNAUTHENTICATED" } }));
    if (res.status === 413)
      throw new CliError(`the artifact (${bytes.length} bytes) is larger than the server accepts`, ExitCode.BAD_INPUT);
    throw new CliError(
      `upload refused (${res.status}): ${body.message ?? body.error ?? "no reason given"}`,
      res.status < 500 ? ExitCode.BAD_INPUT : ExitCode.ERROR,
    );
  }

  /** The graphql-ws client, opened on first use; it never retries by itself (see `follow`). */
  ws(): Client {
    const key = this.requireKey();
    this.socket ??= createClient({
      url: `${this.connection.endpoint.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: key },
      retryAttempts: 0,
      lazy: true,
    });
    return this.socket;
  }

  /**
   * Runs a subscription, handing each payload to `onData`; resolves when `onData` returns
   * "stop" (or the server completes), rejects with a CliError.
   */
  subscribe<R, V>(document: TypedDocument<R, V>, variables: V, onData: (data: R) => OnData): { done: Promise<void>; stop(): void } {
    let stop = () => {};
    const done = new Promise<void>((resolve, reject) => {
      let finished = false;
      let chain = Promise.resolve();
      const unsubscribe = this.ws().subscribe<R>(
        { query: getSource(document), variables: variables as Record<string, unknown> },
        {
          next: (value) => {
            chain = chain
              .then(async () => {
                if (finished) return;
                if (value.errors?.length) {
                  finished = true;
                  unsubscribe();
                  reject(fromApiError(value.errors[0] as ApiErrorBody));
                  return;
                }
                if ((await onData(value.data as R)) === "stop") {
                  finished = true;
                  unsubscribe();
                  resolve();
                }
              })
              .catch((error: unknown) => {
                finished = true;
                unsubscribe();
                reject(error);
              });
          },
          error: (error) => {
            if (finished) return;
            finished = true;
            reject(this.socketError(error));
          },
          complete: () => {
            void chain.then(() => {
              if (finished) return;
              finished = true;
              resolve();
            });
          },
        },
      );
      stop = () => {
        if (finished) return;
        finished = true;
        unsubscribe();
        resolve();
      };
    });
    return { done, stop: () => stop() };
  }

  private socketError(error: unknown): CliError {
    if (Array.isArray(error) && error.length) return this.refused(fromApiError(error[0] as ApiErrorBody));
    const close = error as { code?: number; reason?: string; type?: string };
    if (typeof close?.code === "number" && close.type === "close") {
      if (close.code === 4401 || close.code === 4403)
        return this.refused(fromApiError({ message: close.reason || UNAUTHORIZED, extensions: { code: "UNAUTHENTICATED" } }));
      return new CliError(
        `the connection to ${this.connection.endpoint} closed (${close.code}${close.reason ? ` ${close.reason}` : ""})`,
        ExitCode.UNREACHABLE,
      );
    }
    if (error instanceof CliError) return error;
    return unreachable(this.connection.endpoint, error);
  }

  /** Drops the socket, so that the next subscription opens a new one (after a lost connection). */
  async resetSocket(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await socket?.dispose();
  }

  async close(): Promise<void> {
    await this.socket?.dispose();
  }
}

async function readJson<T>(res: Response, endpoint: string): Promise<T> {
  const text = await res.text().catch(() => "");
  try {
    return JSON.parse(text) as T;
  } catch {
    throw httpError(res.status, endpoint);
  }
}

function httpError(status: number, endpoint: string): CliError {
  if (status === 401) return fromApiError({ message: UNAUTHORIZED, extensions: { code: "UNAUTHENTICATED" } });
  if (status === 404) return new CliError(`${endpoint} answered 404: is it a Pergola API endpoint?`, ExitCode.UNREACHABLE);
  return new CliError(`${endpoint} answered HTTP ${status} with no GraphQL response`, ExitCode.ERROR);
}
