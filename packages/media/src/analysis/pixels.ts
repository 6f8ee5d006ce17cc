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
export function flattenOnWhite(pixels: RawPixels): Uint8Array {
  const { data, channels } = pixels;
  const count = pixels.width * pixels.height;
  if (channels === 3) return data;
  const out = new Uint8Array(count * 3);
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
export function lumaOf(rgb: Uint8Array, count: number): Float32Array {
  const luma = new Float32Array(count);
  for (let p = 0, i = 0; p < count; p++, i += 3) {
    luma[p] = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  }
  return luma;
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
