#!/usr/bin/env bash
# Mutation testing of one or more source files against the tests that should bite them (StrykerJS,
# vitest runner): how many of the mutants the tests kill, and which survive.
#
#   scripts/mutation.sh <file to mutate>[,<another>...] <test file or glob>...
#   scripts/mutation.sh apps/api/src/delivery-cache.ts apps/api/test/delivery-cache.test.ts
#
# StrykerJS is not a dependency of the project (nothing in `npm test` needs it): it is installed into
# node_modules with --no-save at a pinned version (10: 9.x never activated a mutant under vitest 5),
# leaving package.json and the lock file alone. The mutants run in a sandbox copy under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/node/bin/node ]; then export PATH="$PWD/.tools/node/bin:$PATH"; fi
if [ $# -lt 2 ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
STRYKER_VERSION=10.1.1
mutate=$1
shift
if [ "$(node -p "try { require('@stryker-mutator/core/package.json').version } catch { '' }")" != "$STRYKER_VERSION" ]; then
  npm install --no-save --no-audit --no-fund "@stryker-mutator/core@$STRYKER_VERSION" "@stryker-mutator/vitest-runner@$STRYKER_VERSION"
fi
work=$(mktemp -d)
trap 'rm -rf "$work" vitest.mutation.config.ts stryker.mutation.json' EXIT
tests=$(printf "'%s'," "$@")
# Both files must sit in the repository: Stryker copies it into its sandbox and resolves them there.
cat > vitest.mutation.config.ts <<CONFIG
import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: [${tests%,}], pool: 'forks', maxWorkers: 1, testTimeout: 30_000 } });
CONFIG
node -e "
  const mutate = process.argv[1].split(',');
  require('fs').writeFileSync('stryker.mutation.json', JSON.stringify({
    testRunner: 'vitest',
    vitest: { configFile: 'vitest.mutation.config.ts', related: false, pool: 'forks' },
    mutate,
    coverageAnalysis: 'off',
    reporters: ['clear-text'],
    clearTextReporter: { allowColor: false, logTests: false },
    concurrency: 2,
    ignorePatterns: ['docs', 'bench', 'k8s', '.tools', 'data', 'coverage'],
    tempDirName: process.argv[2] + '/sandbox',
  }, null, 2));
" "$mutate" "$work"
npx stryker run stryker.mutation.json
