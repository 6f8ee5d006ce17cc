# syntax=docker/dockerfile:1
# One image for every role: `api`, `worker`, `start` (both), `migrate`, `keys create <cloud>`.
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step. The
# compile cache is filled at build time, so the processes never load the type-stripping compiler.
#
#   docker build -t rendition .
#   docker run --rm -p 8080:8080 rendition                       # start: api + workers
#   docker run --rm rendition node apps/cli/bin/rendition.mjs migrate

FROM node:24-slim AS base
WORKDIR /app

# Only the manifests, so the dependency layer is rebuilt when a package.json or the lockfile
# changes, not on every source edit. (COPY with a glob would flatten the workspace folders.)
FROM base AS manifests
COPY . /src
RUN mkdir -p /out \
 && cd /src \
 && cp package.json package-lock.json /out/ \
 && find apps packages -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /out/ \;

FROM base AS deps
ENV NODE_ENV=production
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force

FROM base AS runtime
# LibreOffice without its GUI: office documents to PDF; Liberation fonts: Arial/Times/Courier metrics,
# so converted documents keep their layout. poppler-utils: pdfinfo/pdftotext/pdftoppm for diagnosis
# (the tests' reference for pdf.js). DejaVu, Open Sans, Roboto: the other families text layers draw
# with (packages/transform/src/fonts.ts).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-liberation2 \
    fonts-dejavu-core fonts-open-sans fonts-roboto-unhinted \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production
# node_modules (with the workspace links) and any nested packages/*/node_modules come from deps;
# the sources are copied over them (.dockerignore keeps the build context's node_modules out).
COPY --from=deps /app/ ./
COPY apps ./apps
COPY packages ./packages
# Read-only for the app at run time: a process adds nothing to it, it only reads.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node apps/cli/bin/rendition.mjs warm-cache

# Files stay root-owned and read-only to the app; only the default file storage (STORAGE_URL=file://./data) is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "apps/cli/bin/rendition.mjs", "start"]
