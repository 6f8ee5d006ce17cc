import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageClassifier, RgbPixels } from '../src/image-classifier.ts';
import { classifyMany } from '../src/classify-many.ts';
import { loadClassifier } from '../src/registry.ts';
import { fixturePixels, SAFE_FIXTURES } from './fixture-pixels.ts';

// The real model on the real fixtures (the bundled weights: no network).

const SIZE = 224;
let classifier: ImageClassifier;
const pixels = new Map<string, RgbPixels>();

beforeAll(async () => {
  classifier = await loadClassifier();
  for (const name of SAFE_FIXTURES) pixels.set(name, await fixturePixels(name, SIZE));
});

const fixture = (name: string): RgbPixels => pixels.get(name)!;
const sum = (scores: Record<string, number>): number => Object.values(scores).reduce((total, value) => total + value, 0);

describe('the nsfwjs MobileNetV2 classifier', () => {
  it('describes itself', () => {
    expect(classifier.name).toBe('nsfwjs-mobilenet_v2');
    expect(classifier.inputSize).toBe(224);
    expect(classifier.labels).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    expect(classifier.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is loaded once per process', async () => {
    expect(await loadClassifier()).toBe(classifier);
    expect(await loadClassifier('nsfwjs-mobilenet_v2')).toBe(classifier);
  });

  it.each(SAFE_FIXTURES)('finds %s safe: neutral or drawing dominates, the scores are probabilities summing to 1', async (name) => {
    const scores = await classifier.classify(fixture(name));
    expect(Object.keys(scores)).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    for (const value of Object.values(scores)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(sum(scores)).toBeCloseTo(1, 4);
    expect(scores.neutral! + scores.drawing!).toBeGreaterThan(0.8);
    const top = Object.entries(scores).sort((a, b) => b[1] - a[1])[0]![0];
    expect(['neutral', 'drawing']).toContain(top);
  });

  it('tells a photo from a graphic', async () => {
    const photo = await classifier.classify(fixture('2569067123_aca715a2ee_o.jpg'));
    const gradients = await classifier.classify(fixture('gradients-rgb8.png'));
    expect(photo.neutral).toBeGreaterThan(photo.drawing!);
    expect(gradients.drawing).toBeGreaterThan(photo.drawing!);
  });

  it('gives the same scores for the same pixels', async () => {
    const first = await classifier.classify(fixture('4.webp'));
    const again = await classifier.classify({ ...fixture('4.webp'), data: Uint8Array.from(fixture('4.webp').data) });
    expect(again).toEqual(first);
  });

  it('gives each of concurrent calls its own image’s scores', async () => {
    const names = [...SAFE_FIXTURES];
    const one = [];
    for (const name of names) one.push(await classifier.classify(fixture(name)));
    const together = await Promise.all(names.map((name) => classifier.classify(fixture(name))));
    expect(together).toEqual(one);
    expect(new Set(together.map((scores) => scores.neutral)).size).toBe(names.length);
  });

  it('frees every tensor it makes', async () => {
    await classifier.classify(fixture('Crash_test.gif'));
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 20; i++) await classifier.classify(fixture(SAFE_FIXTURES[i % SAFE_FIXTURES.length]!));
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('refuses pixels of another size or length before touching the model', async () => {
    const before = tf.memory().numTensors;
    const wrongSize = { data: new Uint8Array(100 * 100 * 3), width: 100, height: 100 };
    await expect(classifier.classify(wrongSize)).rejects.toThrow(new TypeError('the classifier takes 224x224 pixels, got 100x100'));
    const rgba = { data: new Uint8Array(SIZE * SIZE * 4), width: SIZE, height: SIZE };
    await expect(classifier.classify(rgba)).rejects.toThrow(/expected 150528 bytes of RGB, got 200704/);
    const notBytes = { data: new Float32Array(SIZE * SIZE * 3) as unknown as Uint8Array, width: SIZE, height: SIZE };
    await expect(classifier.classify(notBytes)).rejects.toThrow(TypeError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('classifies frames in order, keeping their fields', async () => {
    const frames = [
      { timeOffset: 0.5, pixels: fixture('4.webp') },
      { timeOffset: 1.5, pixels: fixture('gradients-rgb8.png') },
    ];
    const results = await classifyMany(classifier, frames);
    expect(results.map((result) => result.timeOffset)).toEqual([0.5, 1.5]);
    expect(results[0]!.scores).toEqual(await classifier.classify(fixture('4.webp')));
    expect(results[1]!.scores).toEqual(await classifier.classify(fixture('gradients-rgb8.png')));
    expect(await classifyMany(classifier, [])).toEqual([]);
  });
});
