import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const INDEX = fileURLToPath(new URL('../src/index.ts', import.meta.url));

// In a fresh process: TensorFlow.js makes its engine (globalThis._tfengine) as soon as it is imported.
describe('importing @rendition/classifiers', () => {
  it('loads no TensorFlow.js until a classifier is asked for', async () => {
    const script = [
      `const classifiers = await import(${JSON.stringify(INDEX)});`,
      `console.log(JSON.stringify({ engine: '_tfengine' in globalThis, label: classifiers.googleLikelihood(0.9) }));`,
      `await classifiers.loadClassifier();`,
      `console.log(JSON.stringify({ engine: '_tfengine' in globalThis }));`,
    ].join('\n');
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([{ engine: false, label: 'VERY_LIKELY' }, { engine: true }]);
    // nor a word on the console: nsfwjs's and tfjs's notices are kept off the worker's log stream
    expect(stderr).toBe('');
  });
});
