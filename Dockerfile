# syntax=docker/dockerfile:1
#
# One image for every role: GATEWAY_ROLE=api (HTTP), worker (provider queues, no HTTP API) or all.
#   docker build -t llm-batch-gateway .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=... -e REDIS_URL=... llm-batch-gateway
#
# test/docker-image.test.ts rebuilds these stages outside Docker from exactly the files COPY'd here,
# so a file the build needs but this file forgets fails the tests, not the next release.

# Node 24 LTS. The code also runs on Node 20.12+ and 22 (package.json "engines"); pass
# --build-arg NODE_IMAGE=node:22-bookworm-slim to build on another line.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies (TypeScript is a dev dependency), compile src/ to dist/ -------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm run build` copies the dashboard assets with this script after tsc.
COPY scripts ./scripts
RUN npm run build

# --- deps: production dependencies only -----------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# HOST=0.0.0.0: the app's default (127.0.0.1) would be unreachable from outside the container.
# METRICS_PORT: every role serves /metrics, /healthz and /readyz there (no authentication; keep it
# on the container network, never publish it), which is how a worker, having no API, is probed and
# scraped. Set METRICS_PORT= (empty) to turn that server off.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    METRICS_PORT=9464
WORKDIR /app
# Files stay owned by root (read-only for the app); the process runs as the image's `node` user.
# package.json is needed at runtime: its "type": "module" makes dist/*.js load as ES modules.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Resolved at runtime as ../../migrations from dist/db/migrate.js, i.e. /app/migrations.
# The one-shot migration step is `node dist/db/migrate-cli.js` (see docker-compose.yml).
COPY migrations ./migrations
USER node
EXPOSE 8080 9464
# Liveness for every role: api and all ask the API's /healthz on PORT, worker asks the METRICS_PORT
# server's. A node script, as slim images have no curl. Pass /readyz as an argument for readiness
# (Postgres, Redis, migrations, not draining), as docker-compose.yml does.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "/app/dist/durability/healthcheck-cli.js"]
# node as the entrypoint (not `npm start`, which rebuilds and would not forward SIGTERM):
# main.ts drains in-flight requests and jobs on SIGTERM. Use `init: true` / `--init` for a PID-1 init.
# A bounded old space keeps RSS flat (V8 otherwise grows the heap lazily under a high allocation rate);
# the gateway holds no batch in memory, so 192 MB is ample. Raise it if you relay very large responses.
# A 16 MB semi-space cuts scavenges under the high allocation rate of batch work (measured +20 % batch
# throughput, same peak RSS).
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=16", "dist/main.js"]
