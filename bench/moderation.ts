/**
 * Moderation classifier: images per second of the local classifier's whole path (decodeForClassifier
 * of a stored image, then classify), one image at a time in one process, after warm-up, on the safe
 * fixture images. Beside it, in the same run: the decode alone, our classify alone on decoded pixels,
 * and the reference, nsfwjs's own `model.classify` on an already-made tensor (a second copy of the same
 * model, loaded the way nsfwjs documents), so the ratios show what the wrapper and the decode add.
 * Not part of `npm run bench` (no services needed): `node bench/moderation.ts`.
 */
import { cpus } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadClassifier } from '@rendition/classifiers';
import type { RgbPixels } from '@rendition/classifiers';
import { decodeForClassifier } from '@rendition/media';
import type { ImageLimits } from '@rendition/media';
import { fixturePath } from '@rendition/testing';
// The reference needs nsfwjs's raw model, which the package's API deliberately does not expose.
import { loadNsfwjsModel, MOBILENET_V2 } from '../packages/classifiers/src/nsfwjs-classifier.ts';
import { envInt } from './lib/env.ts';
import { runBench } from './lib/run-bench.ts';
import { fixed, percentile, sortedCopy, table } from './lib/stats.ts';

const ROUNDS = envInt('BENCH_MODERATION_ROUNDS', 10, 1, 100);
const WARMUP = envInt('BENCH_MODERATION_WARMUP', 2, 0, 20);
/** The fixtures a classifier may see (giant-image.jpg is refused by the pixel limit before any decode). */
const IMAGES = [
  'images/2569067123_aca715a2ee_o.jpg',
  'images/4.webp',
  'images/Channel_digital_image_CMYK_color.jpg',
  'images/Crash_test.gif',
  'images/embedgravitybird.png',
  'images/gradients-rgb8.png',
].map(fixturePath);
/** The worker's defaults (MAX_IMAGE_PIXELS, IMAGE_TIMEOUT_SECONDS). */
const LIMITS: ImageLimits = { maxInputPixels: 100_000_000, timeoutSeconds: 60 };

await runBench('moderation', main);

type Work = { label: string; run: (index: number) => Promise<unknown>; samples: number[]; perImage: number[][] };

async function main(): Promise<void> {
  const loadStart = performance.now();
  const classifier = await loadClassifier();
  const loadMs = performance.now() - loadStart;
  const referenceStart = performance.now();
  const model = await loadNsfwjsModel(MOBILENET_V2);
  const referenceLoadMs = performance.now() - referenceStart;
  const size = classifier.inputSize;

  const sources = await Promise.all(IMAGES.map((path) => sharp(path).metadata()));
  const decoded: RgbPixels[] = [];
  for (const path of IMAGES) decoded.push(await decodeForClassifier(path, size, LIMITS));
  const tensors = decoded.map((pixels) => tf.tensor3d(pixels.data, [size, size, 3], 'int32'));
  const tensorsBefore = tf.memory().numTensors;

  const work = (label: string, run: (index: number) => Promise<unknown>): Work => ({ label, run, samples: [], perImage: IMAGES.map(() => []) });
  const works = [
    work('decodeForClassifier + classify (the moderation path)', async (i) => classifier.classify(await decodeForClassifier(IMAGES[i]!, size, LIMITS))),
    work('decodeForClassifier alone', (i) => decodeForClassifier(IMAGES[i]!, size, LIMITS)),
    work('classify alone (decoded pixels)', (i) => classifier.classify(decoded[i]!)),
    work('reference: nsfwjs model.classify(tensor)', (i) => model.classify(tensors[i]!)),
  ];

  for (let round = 0; round < WARMUP; round++) for (const { run } of works) for (let i = 0; i < IMAGES.length; i++) await run(i);
  // Interleaved by round, so drift (thermal, other load) touches every row alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const { run, samples, perImage } of works) {
      for (let i = 0; i < IMAGES.length; i++) {
        const began = performance.now();
        await run(i);
        const ms = performance.now() - began;
        samples.push(ms);
        perImage[i]!.push(ms);
      }
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  tensors.forEach((tensor) => tensor.dispose());
  model.dispose();

  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [whole, decodeOnly, ours, raw] = works as [Work, Work, Work, Work];
  const reference = mean(raw.samples);
  console.log(
    `moderation: ${cpus().length} CPU(s), Node ${process.version}, TensorFlow.js ${tf.version.tfjs} on its ${classifier.backend} backend, ` +
      `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, ${sharp.concurrency()} thread(s) per image)\n` +
      `  model: ${classifier.name} (${size}x${size} RGB in, ${classifier.labels.join('/')} out); first loadClassifier() in this process ` +
      `(TensorFlow.js import, wasm start, bundled weights, warm-up inference): ${fixed(loadMs, 0)} ms; a second copy for the reference: ${fixed(referenceLoadMs, 0)} ms\n` +
      `  images: ${IMAGES.length} fixtures (${IMAGES.map((path) => basename(path)).join(', ')}), ${ROUNDS} rounds after ${WARMUP} warm-up round(s), one image at a time`,
  );
  console.log(
    table([
      ['work (per image)', 'mean ms', 'p50 ms', 'p90 ms', 'images/s', '÷ reference'],
      ...works.map(({ label, samples }) => {
        const sorted = sortedCopy(samples);
        return [
          label,
          fixed(mean(samples), 1),
          fixed(percentile(sorted, 50), 1),
          fixed(percentile(sorted, 90), 1),
          fixed(1000 / mean(samples), 1),
          fixed(mean(samples) / reference, 2),
        ];
      }),
    ]),
  );
  console.log(
    'decode and whole path by image (mean ms):\n' +
      table([
        ['image', 'source', 'decode', 'decode + classify'],
        ...IMAGES.map((path, i) => [
          basename(path),
          `${sources[i]!.width}x${sources[i]!.height} ${sources[i]!.format}`,
          fixed(mean(decodeOnly.perImage[i]!), 1),
          fixed(mean(whole.perImage[i]!), 1),
        ]),
      ]),
  );
  const wrapper = mean(ours.samples) - reference;
  console.log(
    `our classify adds ${fixed(wrapper, 1)} ms per image to nsfwjs's (${fixed((wrapper / reference) * 100, 1)} %: the tensor made from the bytes, the queue, ` +
      `the scores as a record); the decode adds ${fixed(mean(decodeOnly.samples), 1)} ms. Tensors alive before / after the measured rounds: ` +
      `${tensorsBefore} / ${tensorsAfter}${tensorsAfter === tensorsBefore ? ' (nothing leaks)' : ' (LEAK)'}`,
  );
}
