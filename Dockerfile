# syntax=docker/dockerfile:1
# The Pergola API and dashboard, one image, two commands (deploy/compose.yaml runs both):
#   API        node apps/api/dist/index.js                     (the default; PORT 4000)
#   dashboard  node dashboard/apps/dashboard/server.js         (Next.js standalone; PORT 3000)
# Both are what `npm start` and the tests run. Non-root (the image's `node` user); the API's data
# dir is /data (embedded database, artifacts on disk, keys) — with DATABASE_URL it holds only
# what each replica keeps for itself.
#   docker build -t pergola .
#   docker run -p 4000:4000 -v pergola-data:/data pergola

ARG NODE_IMAGE=node:20-bookworm-slim

# ── build: every workspace, with its dev dependencies ───────────────────────────────────────────
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/agent/package.json apps/agent/
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY packages/db/package.json packages/db/
COPY packages/runtime/package.json packages/runtime/
COPY packages/schema/package.json packages/schema/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx turbo run build --filter=@pergola/api... --filter=@pergola/dashboard...

# ── dependencies: the API's, production only ─────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY packages/db/package.json packages/db/
COPY packages/runtime/package.json packages/runtime/
COPY packages/schema/package.json packages/schema/
RUN npm ci --omit=dev --no-audit --no-fund --workspace @pergola/api

# ── the image ────────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE}
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOST=0.0.0.0 PORT=4000 PERGOLA_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./
COPY --from=build /src/apps/api/package.json apps/api/
COPY --from=build /src/apps/api/dist apps/api/dist
COPY --from=build /src/packages/db/package.json packages/db/
COPY --from=build /src/packages/db/dist packages/db/dist
COPY --from=build /src/packages/db/drizzle packages/db/drizzle
COPY --from=build /src/packages/runtime/package.json packages/runtime/
COPY --from=build /src/packages/runtime/dist packages/runtime/dist
COPY --from=build /src/packages/schema/package.json packages/schema/
COPY --from=build /src/packages/schema/dist packages/schema/dist
# The dashboard: Next.js's standalone output, its own node_modules included.
COPY --from=build /src/apps/dashboard/.next/standalone dashboard
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "apps/api/dist/index.js"]
