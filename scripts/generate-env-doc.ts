// Writes the environment-variable reference generated from packages/config/src/env-variables.ts:
//   docs/env.md                      the whole page
//   README.md                        the table between <!-- env:start --> and <!-- env:end -->,
//                                    only when README.md exists and has both markers
// Usage: node scripts/generate-env-doc.ts [--check]     (also `npm run docs:env`)
// --check writes nothing and exits 1 when a file is stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderEnvDoc, renderEnvTable, replaceEnvBlock } from '../packages/config/src/env-doc.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const targets: Array<{ path: string; content: string }> = [{ path: join(root, 'docs', 'env.md'), content: renderEnvDoc() }];

const readmePath = join(root, 'README.md');
if (existsSync(readmePath)) {
  const updated = replaceEnvBlock(readFileSync(readmePath, 'utf8'), renderEnvTable());
  if (updated === undefined) console.log('README.md has no <!-- env:start --> / <!-- env:end --> markers; left alone');
  else targets.push({ path: readmePath, content: updated });
}

let stale = 0;
for (const { path, content } of targets) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const name = relative(root, path);
  if (current === content) {
    console.log(`${name} is up to date`);
  } else if (check) {
    console.error(`${name} is stale: run npm run docs:env`);
    stale += 1;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${name}`);
  }
}
if (stale > 0) process.exitCode = 1;
