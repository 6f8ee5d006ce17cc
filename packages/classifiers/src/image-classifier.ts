/**
 * Decoded pixels for a classifier: 8-bit RGB, 3 interleaved samples per pixel, rows top to bottom,
 * exactly the classifier's inputSize on each side (the caller resizes; @rendition/media's
 * decodeForClassifier and sampleVideoFrames make them).
 */
export type RgbPixels = { data: Uint8Array; width: number; height: number };

/** One image model behind a stable shape, so the moderation job never sees the ML library. */
export interface ImageClassifier {
  /** The registry name it was loaded by (`nsfwjs-mobilenet_v2`). */
  readonly name: string;
  /** The side of the square RgbPixels it takes. */
  readonly inputSize: number;
  /** Its classes, lower case, in the model's output order; classify's scores have exactly these keys. */
  readonly labels: readonly string[];
  /** Where it computes (`wasm`, or `cpu` where WebAssembly could not start): for logs and benchmarks. */
  readonly backend: string;
  /** Probability 0..1 of each label (they sum to about 1). */
  classify(pixels: RgbPixels): Promise<Record<string, number>>;
}

/** Refuses pixels the model would silently misread: a wrong size is resized by nsfwjs, a wrong length reshaped. */
export function assertRgbPixels(pixels: RgbPixels, inputSize: number): void {
  const { data, width, height } = pixels;
  if (!(data instanceof Uint8Array)) throw new TypeError('pixels.data must be a Uint8Array of RGB samples');
  if (width !== inputSize || height !== inputSize) {
    throw new TypeError(`the classifier takes ${inputSize}x${inputSize} pixels, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) throw new TypeError(`expected ${width * height * 3} bytes of RGB, got ${data.length}`);
}
