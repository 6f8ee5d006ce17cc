import { describe, expect, it } from 'vitest';
import type { ImageClassifier } from '../src/image-classifier.ts';
import { CLASSIFIER_FACTORIES, CLASSIFIER_NAMES, createClassifierRegistry, DEFAULT_CLASSIFIER, loadClassifier } from '../src/registry.ts';

const fake = (name: string): ImageClassifier => ({ name, inputSize: 2, labels: ['a'], backend: 'test', classify: async () => ({ a: 1 }) });

describe('createClassifierRegistry', () => {
  it('loads a model once however often and however concurrently it is asked for', async () => {
    let loads = 0;
    const registry = createClassifierRegistry({
      one: async (name) => {
        loads += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return fake(name);
      },
    });
    const [a, b] = await Promise.all([registry.load('one'), registry.load('one')]);
    const c = await registry.load('one');
    expect(loads).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(a.name).toBe('one');
  });

  it('keeps the models apart by name', async () => {
    const registry = createClassifierRegistry({ one: async (name) => fake(name), two: async (name) => fake(name) });
    expect(registry.names).toEqual(['one', 'two']);
    const [one, two] = await Promise.all([registry.load('one'), registry.load('two')]);
    expect([one.name, two.name]).toEqual(['one', 'two']);
  });

  it('forgets a failed load, so the next call tries again', async () => {
    let calls = 0;
    const registry = createClassifierRegistry({
      flaky: async (name) => {
        calls += 1;
        if (calls === 1) throw new Error('weights unreadable');
        return fake(name);
      },
    });
    await expect(registry.load('flaky')).rejects.toThrow('weights unreadable');
    const loaded = await registry.load('flaky');
    expect(calls).toBe(2);
    expect(await registry.load('flaky')).toBe(loaded);
    expect(calls).toBe(2);
  });

  it('rejects (does not throw) when a factory throws before its first await', async () => {
    let calls = 0;
    const registry = createClassifierRegistry({
      broken: (() => {
        calls += 1;
        throw new Error('sync failure');
      }) as unknown as (name: string) => Promise<ImageClassifier>,
    });
    const attempt = registry.load('broken');
    expect(attempt).toBeInstanceOf(Promise);
    await expect(attempt).rejects.toThrow('sync failure');
    await expect(registry.load('broken')).rejects.toThrow('sync failure');
    expect(calls).toBe(2);
  });

  it('rejects an unknown name with the known ones, inherited property names included', async () => {
    const registry = createClassifierRegistry({ one: async (name) => fake(name) });
    await expect(registry.load('two')).rejects.toThrow(new RangeError('no classifier named two: known are one'));
    await expect(registry.load('constructor')).rejects.toThrow(RangeError);
  });
});

describe('the process registry', () => {
  it('has the nsfwjs MobileNetV2 model as its default', () => {
    expect(DEFAULT_CLASSIFIER).toBe('nsfwjs-mobilenet_v2');
    expect(CLASSIFIER_NAMES).toEqual(Object.keys(CLASSIFIER_FACTORIES));
    expect(CLASSIFIER_NAMES).toContain(DEFAULT_CLASSIFIER);
  });

  it('rejects a model it does not have', async () => {
    await expect(loadClassifier('nsfwjs-inception_v4')).rejects.toThrow(/no classifier named nsfwjs-inception_v4: known are nsfwjs-mobilenet_v2/);
  });
});
