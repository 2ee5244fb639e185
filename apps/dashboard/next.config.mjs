import { fileURLToPath } from "node:url";

/**
 * Next.js configuration. Type checking runs through `npm run typecheck` (TypeScript 7, which has
 * no JS API for Next to call), so the build itself only compiles. Nothing is fetched at build
 * time: no remote fonts, no telemetry (NEXT_TELEMETRY_DISABLED is set by the build script).
 * The build is standalone: `.next/standalone/apps/dashboard/server.js` runs with only the files
 * Next traced into `.next/standalone` (scripts/standalone.mjs adds the static assets), which is
 * what `npm start` runs and what the image ships.
 */
/** @type {import('next').NextConfig} */
const nextConfig = {
  output: "standalone",
  // The workspace's root: the dependencies are hoisted there.
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  transpilePackages: ["@pergola/schema"],
};

export default nextConfig;
