import type { ImageClassifier } from './image-classifier.ts';

/** Loads one model; called at most once per process for a successful load. */
export type ClassifierFactory = (name: string) => Promise<ImageClassifier>;

export const DEFAULT_CLASSIFIER = 'nsfwjs-mobilenet_v2';

/**
 * The models by name. A model is added with one entry here; the moderation job asks by name (its
 * configuration) and sees only ImageClassifier. Each factory imports its module when first called,
 * so importing this package (for the label mappings) loads no TensorFlow.js.
 */
export const CLASSIFIER_FACTORIES: Readonly<Record<string, ClassifierFactory>> = {
  'nsfwjs-mobilenet_v2': async (name) => {
    const { MOBILENET_V2, nsfwjsClassifier } = await import('./nsfwjs-classifier.ts');
    return nsfwjsClassifier(name, MOBILENET_V2);
  },
};

export type ClassifierRegistry = {
  readonly names: readonly string[];
  load(name: string): Promise<ImageClassifier>;
};

/**
 * Memoises each model's load: concurrent and later calls share one promise, so a process holds one
 * copy of the weights. A failed load is forgotten, so the next job retries it.
 */
export function createClassifierRegistry(factories: Readonly<Record<string, ClassifierFactory>>): ClassifierRegistry {
  const loads = new Map<string, Promise<ImageClassifier>>();
  const names = Object.keys(factories);
  return {
    names,
    load(name) {
      const pending = loads.get(name);
      if (pending !== undefined) return pending;
      const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
      if (factory === undefined) return Promise.reject(new RangeError(`no classifier named ${name}: known are ${names.join(', ')}`));
      // async: a factory that throws before its first await still rejects instead of throwing here
      const loading = (async () => factory(name))();
      loads.set(name, loading);
      loading.catch(() => {
        if (loads.get(name) === loading) loads.delete(name);
      });
      return loading;
    },
  };
}

const processRegistry = createClassifierRegistry(CLASSIFIER_FACTORIES);

/** The names loadClassifier knows. */
export const CLASSIFIER_NAMES: readonly string[] = processRegistry.names;

/** The named model, loaded once per process. */
export function loadClassifier(name: string = DEFAULT_CLASSIFIER): Promise<ImageClassifier> {
  return processRegistry.load(name);
}
