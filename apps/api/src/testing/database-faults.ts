/**
 * Helpers of the database-fault tests: an API child process on a database of its own whose
 * connections carry an application_name, so a test terminates exactly them, and a plain
 * GraphQL-over-HTTP caller that keeps the HTTP status.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { generateToken } from "../auth/token.service.js";
import { spawnApi, type ApiProcess } from "./process.js";

export interface Answer {
  status: number;
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface FaultyApi {
  api: ApiProcess;
  token: string;
  /** The application_name of the API's connections. */
  applicationName: string;
  gql(query: string, variables?: Record<string, unknown>): Promise<Answer>;
  readyz(): Promise<number>;
}

/** The API as a child process on `databaseUrl`, its connections named for `pg_stat_activity`. */
export async function spawnApiOn(databaseUrl: string): Promise<FaultyApi> {
  const token = generateToken();
  const applicationName = `pergola-fault-${randomBytes(4).toString("hex")}`;
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", applicationName);
  const api = await spawnApi({ DATABASE_URL: url.toString(), PERGOLA_ADMIN_TOKEN: token });
  return {
    api,
    token,
    applicationName,
    async gql(query, variables) {
      const res = await fetch(api.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as Omit<Answer, "status">) };
    },
    async readyz() {
      return (await fetch(`${api.url}/readyz`)).status;
    },
  };
}

/** Terminates every backend of `applicationName`; resolves to how many there were. */
export async function terminateBackends(admin: pg.Client, applicationName: string): Promise<number> {
  const { rows } = await admin.query("select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1", [
    applicationName,
  ]);
  return rows.filter((row) => row.ok).length;
}

/** An answer is acknowledged (data), refused as unavailable (503), or a defect. */
export function outcomeOf(answer: Answer, field: string): "acknowledged" | "unavailable" | "defect" {
  if (answer.status === 200 && answer.data?.[field] && !answer.errors) return "acknowledged";
  if (answer.status === 503 && answer.errors?.every((error) => error.extensions?.code === "SERVICE_UNAVAILABLE")) return "unavailable";
  return "defect";
}
