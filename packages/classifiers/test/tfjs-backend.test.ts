import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadClassifier } from '../src/registry.ts';
import { tfjsBackend } from '../src/tfjs-backend.ts';
import { fixturePixels } from './fixture-pixels.ts';

// WebAssembly made to fail (its .wasm files looked for where there are none): the cpu backend takes over.
vi.mock('@tensorflow/tfjs-backend-wasm', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@tensorflow/tfjs-backend-wasm')>();
  return { ...actual, setWasmPaths: () => actual.setWasmPaths('/nonexistent/tfjs-wasm/') };
});

// The wasm loader (emscripten) reports its failure on console.warn whatever tfjs's mode: kept out of the output, and read.
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
afterAll(() => warn.mockRestore());
const warned = (): string => warn.mock.calls.flat().map(String).join('\n');

describe('tfjsBackend', () => {
  it('falls back to the cpu backend when the wasm one cannot start, once per process', async () => {
    const [first, second] = await Promise.all([tfjsBackend(), tfjsBackend()]);
    expect([first, second]).toEqual(['cpu', 'cpu']);
    expect(tf.getBackend()).toBe('cpu');
    expect(warned()).toContain('/nonexistent/tfjs-wasm/');
    warn.mockClear();
    expect(await tfjsBackend()).toBe('cpu');
    expect(warn).not.toHaveBeenCalled();
  });

  it('still classifies, slower, on the cpu backend, without tfjs chatter on the console', async () => {
    warn.mockClear();
    const classifier = await loadClassifier();
    expect(classifier.backend).toBe('cpu');
    const scores = await classifier.classify(await fixturePixels('4.webp', classifier.inputSize));
    expect(Object.values(scores).reduce((total, value) => total + value, 0)).toBeCloseTo(1, 4);
    expect(scores.neutral! + scores.drawing!).toBeGreaterThan(0.8);
    expect(warn).not.toHaveBeenCalled();
  });
});
