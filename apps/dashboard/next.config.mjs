/**
 * Next.js configuration. Type checking runs through `npm run typecheck` (TypeScript 7, which has
 * no JS API for Next to call), so the build itself only compiles. Nothing is fetched at build
 * time: no remote fonts, no telemetry (NEXT_TELEMETRY_DISABLED is set by the build script).
 */
/** @type {import('next').NextConfig} */
const nextConfig = {
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  transpilePackages: ["@pergola/schema"],
};

export default nextConfig;
