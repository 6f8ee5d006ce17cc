// Writes docs/crop-modes.md from packages/transform/src/crop-mode-table.ts.
// Usage (from the repository root): node packages/transform/scripts/render-crop-doc.ts [--check]
// --check writes nothing and exits 1 when the committed page is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CROP_DOC_PATH, renderCropModeDoc } from '../src/crop-mode-doc.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const path = join(root, CROP_DOC_PATH);
const content = renderCropModeDoc();
const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;

if (current === content) {
  console.log(`${CROP_DOC_PATH} is up to date`);
} else if (process.argv.includes('--check')) {
  console.error(`${CROP_DOC_PATH} is stale: run node packages/transform/scripts/render-crop-doc.ts`);
  process.exitCode = 1;
} else {
  writeFileSync(path, content);
  console.log(`wrote ${CROP_DOC_PATH}`);
}
