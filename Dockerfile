# syntax=docker/dockerfile:1
# Oasis Scheduler admin image (also runs the example worker, see docker-compose.yml).
#   docker build -t oasis-scheduler .
#   docker run -p 8080:8080 -e OASIS_REDIS_URL=redis://… -e OASIS_DATABASE_URL=mysql://… oasis-scheduler

# ---- build: compile TypeScript, bundle the dashboard, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
# sqlite3 is a native module: node-gyp needs these when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so `npm ci` stays cached while only sources change.
COPY package.json package-lock.json .npmrc ./
COPY worker-client/package.json worker-client/
RUN npm ci
COPY . .
RUN npm run build \
 && npm prune --omit=dev \
 && mkdir -p worker-client/node_modules

# ---- runtime: compiled output and production dependencies only, as user `node` ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    OASIS_HOST=0.0.0.0 \
    OASIS_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Redis scripts, read at start-up from the package root.
COPY --from=build /app/lua ./lua
# The worker SDK (node_modules/@oasis/worker-client links here) and the examples, run with tsx.
COPY --from=build /app/worker-client/package.json ./worker-client/package.json
COPY --from=build /app/worker-client/src ./worker-client/src
COPY --from=build /app/worker-client/dist ./worker-client/dist
COPY --from=build /app/worker-client/node_modules ./worker-client/node_modules
COPY --from=build /app/examples ./examples
# The only place the app writes (the default SQLite file when no OASIS_DATABASE_URL is given).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OASIS_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/src/main.js"]
