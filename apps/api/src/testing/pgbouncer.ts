/**
 * Debian's pgbouncer in transaction mode in front of the test PostgreSQL, on 127.0.0.1 and a
 * free port, for the tests of an API behind a transaction-mode pooler. Started as a child
 * process over a temporary directory (its config, auth file and log), stopped with SIGTERM.
 * As root it runs as `nobody`: pgbouncer refuses to run as root.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withTimeout } from "./harness.js";
import { freePort } from "./process.js";

export interface TestPgbouncer {
  /** `target` with pgbouncer's host and port: what DATABASE_URL names. */
  url: string;
  /** Its admin console (`SHOW CLIENTS`, …). */
  adminUrl: string;
  close(): Promise<void>;
}

const BINARY = existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";

export async function startPgbouncer(target: string): Promise<TestPgbouncer> {
  const upstream = new URL(target);
  const dir = mkdtempSync(join(tmpdir(), "pergola-pgbouncer-"));
  const port = await freePort();
  const user = decodeURIComponent(upstream.username || "postgres");
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      `admin_users = ${user}`,
      "pool_mode = transaction",
      "default_pool_size = 10",
      "max_client_conn = 500",
      "ignore_startup_parameters = extra_float_digits,options",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  const asRoot = process.getuid?.() === 0;
  // Its files are written by `nobody` when it drops root.
  if (asRoot) chmodSync(dir, 0o777);
  const child: ChildProcess = spawn(BINARY, [...(asRoot ? ["-u", "nobody"] : []), join(dir, "pgbouncer.ini")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const up = new Promise<void>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk;
      if (/process up/.test(output)) resolve();
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`pgbouncer exited with ${code}:\n${output}`)));
  });
  await withTimeout(up, 10_000, "pgbouncer did not start");
  const through = new URL(target);
  through.hostname = "127.0.0.1";
  through.port = String(port);
  const admin = new URL(through);
  admin.pathname = "/pgbouncer";
  return {
    url: through.toString(),
    adminUrl: admin.toString(),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await withTimeout(exited, 10_000, "pgbouncer did not stop");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
