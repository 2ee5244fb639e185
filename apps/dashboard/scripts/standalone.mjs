/**
 * After `next build`: the standalone server (`.next/standalone/apps/dashboard/server.js`) serves
 * the static assets only from beside itself, so they are copied there — the directory then runs
 * on its own (npm start, the container image).
 */
import { cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const app = fileURLToPath(new URL("..", import.meta.url));
const server = `${app}.next/standalone/apps/dashboard`;
if (!existsSync(`${server}/server.js`)) {
  console.error(`standalone: ${server}/server.js is missing: is output "standalone" set in next.config.mjs?`);
  process.exit(1);
}
for (const [from, to] of [
  [`${app}.next/static`, `${server}/.next/static`],
  [`${app}public`, `${server}/public`],
]) {
  if (!existsSync(from)) continue;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}
