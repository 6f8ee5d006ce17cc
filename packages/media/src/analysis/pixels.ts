/**
 * A decoded image as plain bytes: `channels` interleaved 8-bit samples per pixel, rows top to
 * bottom. The analyses take 3 (RGB) or 4 (RGBA) channels; a missing alpha channel means opaque.
 */
export type RawPixels = { data: Uint8Array; width: number; height: number; channels: number };

export function assertRawPixels(pixels: RawPixels): void {
  const { data, width, height, channels } = pixels;
  if (channels !== 3 && channels !== 4) throw new TypeError(`analyses take RGB or RGBA pixels, got ${channels} channels`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`invalid size ${width}x${height}`);
  }
  if (data.length !== width * height * channels) throw new TypeError(`expected ${width * height * channels} bytes, got ${data.length}`);
}

/** Alpha of pixel `index` (0..255); 255 without an alpha channel. */
export function alphaAt(pixels: RawPixels, index: number): number {
  return pixels.channels === 4 ? (pixels.data[index * 4 + 3] ?? 255) : 255;
}

/**
 * The image composited onto white, as 8-bit RGB: what a viewer shows for a transparent image, and
 * what the luminance-based analyses (phash, quality, accessibility) look at.
 */
export function flattenOnWhite(pixels: RawPixels, into?: Uint8Array): Uint8Array {
  const { data, channels } = pixels;
  const count = pixels.width * pixels.height;
  if (channels === 3) return data;
  const out = into ?? new Uint8Array(count * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const a = data[i + 3]!;
    if (a === 255) {
      out[o] = data[i]!;
      out[o + 1] = data[i + 1]!;
      out[o + 2] = data[i + 2]!;
    } else {
      const keep = a / 255;
      const white = 255 * (1 - keep);
      out[o] = Math.round(data[i]! * keep + white);
      out[o + 1] = Math.round(data[i + 1]! * keep + white);
      out[o + 2] = Math.round(data[i + 2]! * keep + white);
    }
  }
  return out;
}

/** Rec. 601 luma (0..255) of each pixel of an RGB buffer, as PIL's `convert('L')` computes it (unrounded). */
export function lumaOf(rgb: Uint8Array, count: number, into?: Float32Array): Float32Array {
  const luma = into ?? new Float32Array(count);
  for (let p = 0, i = 0; p < count; p++, i += 3) {
    luma[p] = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  }
  return luma;
}

/**
 * The image over white as RGB and as luma, computed once per analysed image and shared by the
 * luminance-based analyses (phash, quality, accessibility).
 */
export type GreyView = { rgb: Uint8Array; luma: Float32Array };

/**
 * A typed array reused from call to call, grown when a larger one is asked for: the analyses run on
 * a ≤ 256×256 image per upload, and fresh multi-100-KiB buffers each time cost allocation and GC.
 * Only for buffers filled and read within one synchronous stretch of code (nothing awaited in
 * between), so no other call can touch them meanwhile; contents are left over from the last use.
 */
export class Scratch<T extends Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array> {
  private buffer: T;
  private readonly make: (length: number) => T;
  constructor(make: (length: number) => T) {
    this.make = make;
    this.buffer = make(0);
  }

  /** A buffer of at least `length` elements (exactly `length` is not promised). */
  atLeast(length: number): T {
    if (this.buffer.length < length) this.buffer = this.make(length);
    return this.buffer;
  }
}

const flatScratch = new Scratch((length) => new Uint8Array(length));
const lumaScratch = new Scratch((length) => new Float32Array(length));

/**
 * flattenOnWhite + lumaOf into reused buffers. The view is valid until the next call: use it
 * before anything is awaited (analyzeImage computes every analysis synchronously after its decode).
 */
export function sharedGreyView(pixels: RawPixels): GreyView {
  const count = pixels.width * pixels.height;
  const rgb = flattenOnWhite(pixels, flatScratch.atLeast(count * 3).subarray(0, count * 3));
  return { rgb, luma: lumaOf(rgb, count, lumaScratch.atLeast(count).subarray(0, count)) };
}

/** Clamps to 0..1. */
export function clamp01(value: number): number {
  if (Number.isNaN(value)) return 0;
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/** A 0..1 score as Cloudinary prints them: two decimals. */
export function round2(value: number): number {
  return Math.round(value * 100 + 1e-9) / 100;
}

/** A percentage as Cloudinary prints it: one decimal. */
export function round1(value: number): number {
  return Math.round(value * 10 + 1e-9) / 10;
}
