#!/usr/bin/env bash
# Runs the official Node SDK's own integration specs (cloudinary_npm's mocha suites) against a
# throwaway Rendition cluster and reports per test: docs/sdk-specs.md. Not part of `npm test`: it
# installs the specs' dependencies from the npm registry and takes minutes.
#
#   scripts/sdk-specs/run.sh [spec file …]     default: the seven suites listed in docs/sdk-specs.md
#
# Settings (environment, or the run.ts options of the same name):
#   SDK_SPECS_REPO      git directory of cloudinary_npm (a bare mirror works)   --repo
#   SDK_SPECS_REF       the commit or tag whose specs run (HEAD)                  --ref
#   SDK_SPECS_OUT       the per-test results file (tmp/sdk-specs/results.json)    --out
#   SDK_SPECS_PROTOCOL  https (a TLS front, as Cloudinary's API) or http          --protocol
#   SDK_SPECS_RETRIES   mocha retries per test (0)                                --retries
#   SDK_SPECS_SPEC_TIMEOUT_S  bound on one spec file, in seconds (1200)           --spec-timeout
#   SDK_SPECS_KEEP=1    keep the scratch directory and the database               --keep
#   SDK_SPECS_DEPS_DIR  where the specs' npm packages are cached ($TMPDIR/rendition-sdk-specs-deps)
# The cluster uses the local PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL override them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  # The usage is the header comment above, so there is one text to keep up to date.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$ROOT/scripts/sdk-specs/run.sh"
  exit 0
fi

# The repository's own Node when the machine's is too old (scripts/setup.sh installs it there).
if [ -x "$ROOT/.tools/node/bin/node" ]; then
  export PATH="$ROOT/.tools/node/bin:$PATH"
fi

missing=()
for tool in node npm git openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[sdk-specs] missing: ${missing[*]}" >&2
  exit 1
fi
# Only needed when the mirror lacks the large fixtures (they are made with it).
command -v ffmpeg >/dev/null 2>&1 || echo "[sdk-specs] ffmpeg not found: fixtures missing from the mirror cannot be made" >&2

exec node scripts/sdk-specs/run.ts "$@"
