import * as tf from '@tensorflow/tfjs';
import { load } from 'nsfwjs/core';
import type { ModelDefinition, NSFWJS } from 'nsfwjs/core';
import { assertRgbPixels } from './image-classifier.ts';
import type { ImageClassifier, RgbPixels } from './image-classifier.ts';
import { oneAtATime } from './one-at-a-time.ts';
import { tfjsBackend } from './tfjs-backend.ts';

/**
 * nsfwjs's classes in the order of the model's output (its NSFW_CLASSES, which the package does not
 * export without pulling in every bundled model).
 */
export const NSFWJS_LABELS = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;

/** One of nsfwjs's bundled models: its weights are JavaScript modules, so loading reads no network. */
export type NsfwjsVariant = {
  definition: () => Promise<ModelDefinition>;
  /** The side the model was trained at (nsfwjs's `size`). */
  inputSize: number;
};

export const MOBILENET_V2: NsfwjsVariant = {
  definition: async () => (await import('nsfwjs/models/mobilenet_v2')).MobileNetV2Model,
  inputSize: 224,
};

/** The backend chosen, then the bundled model loaded (its warm-up inference included). */
export async function loadNsfwjsModel(variant: NsfwjsVariant): Promise<NSFWJS> {
  await tfjsBackend();
  const definition = await variant.definition();
  // nsfwjs announces the model on console.info synchronously as load() starts: the worker's stdout is
  // its log stream, so that one call is kept off it.
  const info = console.info;
  console.info = () => undefined;
  let loading: Promise<NSFWJS>;
  try {
    loading = load(definition.name, { modelDefinitions: [definition], size: variant.inputSize });
  } finally {
    console.info = info;
  }
  return loading;
}

/** A classifier over a loaded nsfwjs model. */
export async function nsfwjsClassifier(name: string, variant: NsfwjsVariant): Promise<ImageClassifier> {
  const model = await loadNsfwjsModel(variant);
  const backend = await tfjsBackend();
  const { inputSize } = variant;
  return {
    name,
    inputSize,
    labels: NSFWJS_LABELS,
    backend,
    // async, so that bad pixels reject like every other failure instead of throwing at the call
    classify: async (pixels: RgbPixels) => {
      assertRgbPixels(pixels, inputSize);
      return oneAtATime(() => scores(model, pixels));
    },
  };
}

async function scores(model: NSFWJS, pixels: RgbPixels): Promise<Record<string, number>> {
  // infer() tidies its own intermediates; the input tensor is ours to free, the output too once read.
  const output = tf.tidy(() => model.infer(tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32')));
  try {
    const values = await output.data();
    if (values.length !== NSFWJS_LABELS.length) throw new Error(`nsfwjs returned ${values.length} scores for ${NSFWJS_LABELS.length} classes`);
    return Object.fromEntries(NSFWJS_LABELS.map((label, index) => [label, values[index]!]));
  } finally {
    output.dispose();
  }
}
