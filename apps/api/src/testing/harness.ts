/**
 * Test harness: a real API server on a real database (PGlite from the migrated snapshot, or
 * PostgreSQL when the suite runs with TEST_DATABASE_URL), a GraphQL-over-HTTP client and a
 * graphql-ws client. Every test makes its own Project, so files run in parallel on one database.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createClient, type Client } from "graphql-ws";
import { pino } from "pino";
import { inject } from "vitest";
import WebSocket from "ws";
import type { OpenDatabaseOptions } from "@pergola/db/client";
import type { MemberRole } from "@pergola/schema";
import { generateToken } from "../auth/token.service.js";
import type { Actor } from "../auth/actor.js";
import { createServer, type PergolaServer, type ServerOptions } from "../server.js";

/**
 * One key for every test server, in every file: replicas on one PostgreSQL read each other's
 * secrets, and a later file on the same database may meet an earlier file's pending deliveries.
 */
const TEST_SECRET_KEY = createHash("sha256").update("pergola test servers' secret key").digest("base64");

export const testDb = (process.env.PERGOLA_TEST_DB ?? "pglite") as "pglite" | "postgres";

/**
 * How every test server sends webhooks: quick retries that end after 5 s, attempts cut at 2 s.
 * The same for all, because with PostgreSQL any server's sender may send any test's delivery.
 */
export const TEST_WEBHOOKS: NonNullable<ServerOptions["webhooks"]> = {
  timeoutMs: 2_000,
  backoff: { initialMs: 40, maxMs: 200, jitter: 0.2 },
  retryForMs: 5_000,
};

export async function testDatabaseOptions(): Promise<OpenDatabaseOptions> {
  if (testDb === "postgres") return { url: process.env.TEST_DATABASE_URL!, poolSize: 20 };
  const file = inject("pgliteSnapshot");
  return { snapshot: new Blob([await readFile(file)]), skipMigrations: true };
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

export interface TestApi {
  server: PergolaServer;
  adminToken: string;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** Like `gql`, but throws on errors and returns `data`. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  ws(token?: string | null): Client;
  close(): Promise<void>;
}

export async function startTestApi(options: Partial<ServerOptions> = {}): Promise<TestApi> {
  const adminToken = generateToken();
  const server = await createServer({
    database: await testDatabaseOptions(),
    adminToken,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    secretKey: TEST_SECRET_KEY,
    webhooks: TEST_WEBHOOKS,
    ...options,
  });
  const clients: Client[] = [];
  // Each test server's callers come from an address of their own (through X-Forwarded-For, as
  // from a proxy on loopback): failed sign-ins in one test file never lock out another.
  const address = `10.${randomBytes(3).join(".")}`;
  const gql: TestApi["gql"] = async (query, variables, token = adminToken) => {
    const res = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  };
  return {
    server,
    adminToken,
    gql,
    async ok(query, variables, token) {
      const res = await gql(query, variables, token);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
      return res.data as never;
    },
    ws(token = adminToken) {
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authToken: token } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
    },
  };
}

/** A fresh, unique slug for test data. */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export async function createTestProject(api: TestApi, token?: string): Promise<string> {
  const slug = uniqueSlug("p");
  await api.ok(`mutation($i: CreateProjectInput!) { createProject(input: $i) { slug } }`, { i: { name: slug, slug } }, token);
  return slug;
}

/** An admin actor for tests that call services directly. */
export const SYSTEM_ADMIN: Actor = {
  role: "ADMIN",
  tokenId: "",
  kind: "LEGACY",
  name: "test",
  userId: null,
  email: "test@example.test",
  keyName: "test",
  readOnly: false,
  outpost: null,
};

export interface TestUser {
  id: string;
  email: string;
  password: string;
  /** A session token (signIn); `readOnly: true` gives a read-only access key instead. */
  token: string;
}

/**
 * A new user (created by the admin), signed in. With `projects`, a MEMBER (or `role`) of each;
 * with `readOnly`, its token is a read-only access key.
 */
export async function createTestUser(
  api: TestApi,
  options: { isAdmin?: boolean; projects?: string[]; role?: MemberRole; readOnly?: boolean; name?: string } = {},
): Promise<TestUser> {
  const email = `${uniqueSlug("u")}@example.test`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const { createUser } = await api.ok(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, {
    i: { email, name: options.name ?? email.split("@")[0], password, isAdmin: options.isAdmin ?? false },
  });
  for (const project of options.projects ?? []) {
    await api.ok(`mutation($p: String!, $e: String!, $r: MemberRole!) { addMember(project: $p, email: $e, role: $r) { role } }`, {
      p: project,
      e: email,
      r: options.role ?? "MEMBER",
    });
  }
  const { signIn } = await api.ok(
    `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`,
    { e: email, p: password },
    null as never,
  );
  let token: string = signIn.token;
  if (options.readOnly) {
    const { createAccessKey } = await api.ok(
      `mutation { createAccessKey(input: { name: "read-only", readOnly: true }) { token } }`,
      {},
      token,
    );
    token = createAccessKey.token;
  }
  return { id: createUser.id, email, password, token };
}

/**
 * A subscription as a queue: `next()` waits (with a timeout) for the next payload, so tests
 * wait on events, never on time.
 */
export interface Subscription<T> {
  next(timeoutMs?: number): Promise<T>;
  /** Resolves with the error the server sent (or rejects on timeout). */
  error(timeoutMs?: number): Promise<{ message: string; extensions?: Record<string, any> }>;
  received: T[];
  close(): void;
}

export function subscribe<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown>): Subscription<T> {
  const received: T[] = [];
  const queue: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  let failure: unknown;
  const errorWaiters: ((e: any) => void)[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next(value) {
        if (value.errors?.length) {
          failure = value.errors[0];
          for (const w of errorWaiters.splice(0)) w(failure);
          return;
        }
        const data = value.data as T;
        received.push(data);
        const waiter = waiters.shift();
        if (waiter) waiter(data);
        else queue.push(data);
      },
      error(error) {
        failure = Array.isArray(error) ? error[0] : error;
        for (const w of errorWaiters.splice(0)) w(failure);
      },
      complete() {},
    },
  );
  return {
    received,
    next(timeoutMs = 5_000) {
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return withTimeout(new Promise<T>((resolve) => waiters.push(resolve)), timeoutMs, `no event within ${timeoutMs} ms`);
    },
    error(timeoutMs = 5_000) {
      if (failure) return Promise.resolve(failure as never);
      return withTimeout(new Promise((resolve) => errorWaiters.push(resolve)), timeoutMs, `no error within ${timeoutMs} ms`);
    },
    close: dispose,
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

/**
 * An empty database of its own, for tests that need one (the first start, say): a fresh PGlite
 * from the snapshot, or a new database on the PostgreSQL server, dropped by `drop()`.
 */
export async function freshDatabaseOptions(): Promise<{ options: OpenDatabaseOptions; drop(): Promise<void> }> {
  if (testDb === "pglite") return { options: await testDatabaseOptions(), drop: async () => {} };
  const { default: postgres } = await import("postgres");
  const server = new URL(process.env.TEST_DATABASE_URL!);
  const name = `pergola_fresh_${randomBytes(6).toString("hex")}`;
  const admin = postgres(server.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    options: { url: url.toString() },
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Waits until `check` returns a value other than undefined, asking again every `everyMs`, for
 * things that announce no event (a log line arriving, a process gone); rejects after `ms`.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  ms: number,
  message: string,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
