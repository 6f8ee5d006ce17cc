import sharp from 'sharp';
import type { RawImage } from './image-pipeline.ts';
import type { AutoAdjustment, FadeAxis, PixelKernel, Rgba, TrimBox } from './pixel-operations.ts';

// The effects sharp has no operation for, written over raw pixels: 8-bit sRGB with 3 channels, or 4 with
// alpha (image-pipeline.ts materialises the image that way before a kernel and continues from what it
// returns). Cloudinary documents each effect's range, not its formula: the formulas here are Rendition's,
// chosen to look like the effect's name and to move monotonically with its value; docs/compatibility.md
// ("Effects, issue 19") says how each differs. Every kernel keeps the size; sharp does the blurs.

type Pixels = { data: Buffer; width: number; height: number; channels: 3 | 4 };

/** Rec. 709 luma of 8-bit sRGB values, as e_grayscale uses. */
const luma = (r: number, g: number, b: number): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;
const clamp255 = (value: number): number => (value < 0 ? 0 : value > 255 ? 255 : value);
const smoothstep = (t: number): number => (t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t));

function pixelsOf(raw: RawImage): Pixels {
  const { width, height, channels } = raw.info;
  if (channels !== 3 && channels !== 4) throw new TypeError(`kernels run on 3 or 4 channels, got ${channels}`);
  return { data: raw.data, width, height, channels };
}

const rawOf = (pixels: Pixels, template: RawImage): RawImage => ({
  data: pixels.data,
  info: { ...template.info, width: pixels.width, height: pixels.height, channels: pixels.channels, size: pixels.data.length },
});

/** The same pixels with an alpha channel (opaque) when they have none. */
function withAlpha(pixels: Pixels): Pixels {
  if (pixels.channels === 4) return pixels;
  const count = pixels.width * pixels.height;
  const data = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i += 1) {
    data[i * 4] = pixels.data[i * 3]!;
    data[i * 4 + 1] = pixels.data[i * 3 + 1]!;
    data[i * 4 + 2] = pixels.data[i * 3 + 2]!;
    data[i * 4 + 3] = 255;
  }
  return { ...pixels, data, channels: 4 };
}

/** Drops an alpha channel that is opaque everywhere (the kernel added it, or nothing became transparent). */
function withoutOpaqueAlpha(pixels: Pixels): Pixels {
  if (pixels.channels === 3) return pixels;
  const count = pixels.width * pixels.height;
  for (let i = 0; i < count; i += 1) if (pixels.data[i * 4 + 3] !== 255) return pixels;
  const data = Buffer.alloc(count * 3);
  for (let i = 0; i < count; i += 1) {
    data[i * 3] = pixels.data[i * 4]!;
    data[i * 3 + 1] = pixels.data[i * 4 + 1]!;
    data[i * 3 + 2] = pixels.data[i * 4 + 2]!;
  }
  return { ...pixels, data, channels: 3 };
}

/** A Gaussian blur of one 8-bit plane (sharp's, the same as e_blur's). */
async function blurPlane(plane: Uint8Array, width: number, height: number, sigma: number): Promise<Uint8Array> {
  if (sigma < 0.3) return plane;
  const { data } = await sharp(Buffer.from(plane.buffer, plane.byteOffset, plane.length), {
    raw: { width, height, channels: 1 },
    limitInputPixels: false,
  })
    .blur(sigma)
    // One band in, one band out: sharp would otherwise write the grey plane as sRGB.
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return data;
}

/** Applies a 256-entry table to r/g/b. */
function mapColours(pixels: Pixels, table: Uint8Array | Float64Array): Pixels {
  const data = Buffer.from(pixels.data);
  const { channels } = pixels;
  for (let i = 0; i < data.length; i += channels) {
    data[i] = table[data[i]!]!;
    data[i + 1] = table[data[i + 1]!]!;
    data[i + 2] = table[data[i + 2]!]!;
  }
  return { ...pixels, data };
}

/** Runs one kernel; `raw` is 8-bit sRGB with 3 or 4 channels. */
export async function runKernel(kernel: PixelKernel, raw: RawImage): Promise<RawImage> {
  const pixels = pixelsOf(raw);
  switch (kernel.name) {
    case 'gamma':
      return rawOf(gamma(pixels, kernel.exponent), raw);
    case 'vignette':
      return rawOf(vignette(pixels, kernel.strength), raw);
    case 'shadow':
      return rawOf(await shadow(pixels, kernel), raw);
    case 'outline':
      return rawOf(await outline(pixels, kernel), raw);
    case 'tint':
      return rawOf(tint(pixels, kernel), raw);
    case 'replace_color':
      return rawOf(replaceColor(pixels, kernel), raw);
    case 'gradient_fade':
      return rawOf(gradientFade(pixels, kernel), raw);
    case 'auto_adjust':
      return rawOf(autoAdjust(pixels, kernel.steps, kernel.blend), raw);
    case 'cartoonify':
      return rawOf(await cartoonify(pixels, kernel), raw);
  }
}

/**
 * e_trim's box: the rows and columns at the edges whose every pixel is within `threshold` (0..255, on each
 * channel, alpha included) of `background` (null: the top-left pixel), or fully transparent. Nothing to
 * cut, or a uniform image: the whole image. No median pre-filter (libvips' find_trim has one): a noisy
 * edge stops the cut unless the tolerance covers the noise.
 */
export function findTrimBox(raw: RawImage, threshold: number, background: Rgba | null): TrimBox {
  const { data, width, height, channels } = pixelsOf(raw);
  const bg =
    background === null
      ? [data[0]!, data[1]!, data[2]!, channels === 4 ? data[3]! : 255]
      : [background.r, background.g, background.b, Math.round(background.alpha * 255)];
  const matches = (x: number, y: number): boolean => {
    const i = (y * width + x) * channels;
    const alpha = channels === 4 ? data[i + 3]! : 255;
    if (alpha === 0 && channels === 4) return true;
    return (
      Math.abs(data[i]! - bg[0]!) <= threshold &&
      Math.abs(data[i + 1]! - bg[1]!) <= threshold &&
      Math.abs(data[i + 2]! - bg[2]!) <= threshold &&
      Math.abs(alpha - bg[3]!) <= threshold
    );
  };
  const rowMatches = (y: number, left: number, right: number): boolean => {
    for (let x = left; x < right; x += 1) if (!matches(x, y)) return false;
    return true;
  };
  const columnMatches = (x: number, top: number, bottom: number): boolean => {
    for (let y = top; y < bottom; y += 1) if (!matches(x, y)) return false;
    return true;
  };
  let top = 0;
  while (top < height && rowMatches(top, 0, width)) top += 1;
  if (top === height) return { left: 0, top: 0, width, height };
  let bottom = height;
  while (bottom > top + 1 && rowMatches(bottom - 1, 0, width)) bottom -= 1;
  let left = 0;
  while (left < width - 1 && columnMatches(left, top, bottom)) left += 1;
  let right = width;
  while (right > left + 1 && columnMatches(right - 1, top, bottom)) right -= 1;
  return { left, top, width: right - left, height: bottom - top };
}

/** e_gamma: v → 255·(v/255)^exponent on r/g/b. */
function gamma(pixels: Pixels, exponent: number): Pixels {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v += 1) table[v] = Math.round(255 * (v / 255) ** exponent);
  return mapColours(pixels, table);
}

/**
 * e_vignette: darkens towards the corners. The distance from the centre is normalised so the corners are
 * at 1; from an inner radius (0.55 at strength 0.1, 0.1 at 1) the colour fades smoothly towards black, to
 * 1 − strength of itself at the corners (strength 1: black corners).
 */
function vignette(pixels: Pixels, strength: number): Pixels {
  const { width, height, channels } = pixels;
  const data = Buffer.from(pixels.data);
  const inner = 0.6 - 0.5 * strength;
  for (let y = 0; y < height; y += 1) {
    const dy = ((y + 0.5) / height) * 2 - 1;
    for (let x = 0; x < width; x += 1) {
      const dx = ((x + 0.5) / width) * 2 - 1;
      const distance = Math.sqrt((dx * dx + dy * dy) / 2);
      const factor = 1 - strength * smoothstep((distance - inner) / (1 - inner));
      const i = (y * width + x) * channels;
      data[i] = Math.round(data[i]! * factor);
      data[i + 1] = Math.round(data[i + 1]! * factor);
      data[i + 2] = Math.round(data[i + 2]! * factor);
    }
  }
  return { ...pixels, data };
}

/**
 * Puts `top` (colour, coverage 0..1 per pixel) over the image, or under it (`under`), with the usual
 * "over" operator on straight alpha.
 */
function composite(pixels: Pixels, color: Rgba, coverage: Float32Array, under: boolean): Pixels {
  const image = withAlpha(pixels);
  const data = Buffer.from(image.data);
  const count = image.width * image.height;
  const paint = [color.r, color.g, color.b] as const;
  for (let p = 0; p < count; p += 1) {
    const c = coverage[p]!;
    if (c <= 0) continue;
    const i = p * 4;
    const a = data[i + 3]! / 255;
    const topA = under ? a : c;
    const bottomA = under ? c : a;
    const outA = topA + bottomA * (1 - topA);
    if (outA <= 0) continue;
    // Straight-alpha "over": (top·αt + bottom·αb·(1 − αt)) / αout.
    const bottomWeight = bottomA * (1 - topA);
    for (let k = 0; k < 3; k += 1) {
      const own = data[i + k]!;
      const top = under ? own : paint[k]!;
      const bottom = under ? paint[k]! : own;
      data[i + k] = Math.round(clamp255((top * topA + bottom * bottomWeight) / outA));
    }
    data[i + 3] = Math.round(outA * 255);
  }
  return withoutOpaqueAlpha({ ...image, data });
}

/**
 * e_shadow: the image's silhouette (its alpha), moved by dx/dy, blurred and painted in the colour at
 * `opacity`, behind the image. The canvas keeps its size, so the shadow shows where the image is
 * transparent: an opaque image hides it entirely (Cloudinary extends the canvas; see compatibility.md).
 */
async function shadow(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'shadow' }>): Promise<Pixels> {
  if (pixels.channels === 3) return pixels;
  const { width, height, data } = pixels;
  const moved = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    const sy = y - kernel.dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x += 1) {
      const sx = x - kernel.dx;
      if (sx >= 0 && sx < width) moved[y * width + x] = data[(sy * width + sx) * 4 + 3]!;
    }
  }
  const blurred = await blurPlane(moved, width, height, kernel.sigma);
  const coverage = new Float32Array(width * height);
  for (let p = 0; p < coverage.length; p += 1) coverage[p] = (blurred[p]! / 255) * kernel.opacity;
  return composite(pixels, kernel.color, coverage, true);
}

/**
 * Distances (chamfer, close to Euclidean) from every pixel to the nearest pixel where `seed` is set;
 * Infinity when there is none. Two passes over the image.
 */
function distances(seed: Uint8Array, width: number, height: number): Float32Array {
  const d = new Float32Array(width * height);
  for (let p = 0; p < d.length; p += 1) d[p] = seed[p] ? 0 : Infinity;
  const diagonal = Math.SQRT2;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const p = y * width + x;
      let best = d[p]!;
      if (x > 0) best = Math.min(best, d[p - 1]! + 1);
      if (y > 0) {
        best = Math.min(best, d[p - width]! + 1);
        if (x > 0) best = Math.min(best, d[p - width - 1]! + diagonal);
        if (x < width - 1) best = Math.min(best, d[p - width + 1]! + diagonal);
      }
      d[p] = best;
    }
  }
  for (let y = height - 1; y >= 0; y -= 1) {
    for (let x = width - 1; x >= 0; x -= 1) {
      const p = y * width + x;
      let best = d[p]!;
      if (x < width - 1) best = Math.min(best, d[p + 1]! + 1);
      if (y < height - 1) {
        best = Math.min(best, d[p + width]! + 1);
        if (x < width - 1) best = Math.min(best, d[p + width + 1]! + diagonal);
        if (x > 0) best = Math.min(best, d[p + width - 1]! + diagonal);
      }
      d[p] = best;
    }
  }
  return d;
}

/**
 * e_outline: a band of `width` pixels along the shape's edge (alpha ≥ 50%; the canvas edge counts as an
 * edge, so an opaque image gets an inner frame). outer: outside the shape, under the image; inner: inside,
 * over it; both (no mode): either side; inner_fill: the shape painted in the colour; fill: the shape and
 * its outer band painted. A blur softens the band.
 */
async function outline(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'outline' }>): Promise<Pixels> {
  const { width, height, channels, data } = pixels;
  const count = width * height;
  const inside = new Uint8Array(count);
  const outside = new Uint8Array(count);
  for (let p = 0; p < count; p += 1) {
    const opaque = channels === 3 || data[p * 4 + 3]! >= 128;
    inside[p] = opaque ? 1 : 0;
    outside[p] = opaque ? 0 : 1;
  }
  const needsOuter = kernel.mode === 'outer' || kernel.mode === 'both' || kernel.mode === 'fill';
  const needsInner = kernel.mode === 'inner' || kernel.mode === 'both';
  const fromShape = needsOuter ? distances(inside, width, height) : null;
  const fromOutside = needsInner ? distances(outside, width, height) : null;
  const band = new Uint8Array(count);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const p = y * width + x;
      let on = false;
      if (inside[p]) {
        if (kernel.mode === 'inner_fill' || kernel.mode === 'fill') on = true;
        else if (fromOutside !== null) {
          // Beyond the canvas is outside too.
          const toEdge = Math.min(x + 1, y + 1, width - x, height - y);
          on = Math.min(fromOutside[p]!, toEdge) <= kernel.width;
        }
      } else if (fromShape !== null) on = fromShape[p]! <= kernel.width;
      band[p] = on ? 255 : 0;
    }
  }
  const soft = await blurPlane(band, width, height, kernel.sigma);
  const coverage = new Float32Array(count);
  for (let p = 0; p < count; p += 1) coverage[p] = soft[p]! / 255;
  return composite(pixels, kernel.color, coverage, kernel.mode === 'outer');
}

/**
 * e_tint: a gradient through the stops along the luma (after a histogram equalisation of the luma with
 * `equalize`), blended with the image by `amount`.
 */
function tint(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'tint' }>): Pixels {
  const { channels } = pixels;
  const data = Buffer.from(pixels.data);
  const levels = new Uint8Array(data.length / channels);
  for (let p = 0, i = 0; i < data.length; p += 1, i += channels) levels[p] = Math.round(luma(data[i]!, data[i + 1]!, data[i + 2]!));
  const equalized = new Float64Array(256);
  if (kernel.equalize) {
    const histogram = new Float64Array(256);
    for (const level of levels) histogram[level]! += 1;
    let running = 0;
    for (let v = 0; v < 256; v += 1) {
      running += histogram[v]!;
      equalized[v] = (running / levels.length) * 255;
    }
  } else for (let v = 0; v < 256; v += 1) equalized[v] = v;
  const gradient = new Float64Array(256 * 3);
  const stops = kernel.stops;
  for (let v = 0; v < 256; v += 1) {
    const t = equalized[v]! / 255;
    let upper = stops.findIndex((stop) => stop.position >= t);
    if (upper === -1) upper = stops.length - 1;
    const lower = Math.max(0, upper - 1);
    const a = stops[lower]!;
    const b = stops[upper]!;
    const span = b.position - a.position;
    const f = span <= 0 ? (t >= b.position ? 1 : 0) : Math.min(1, Math.max(0, (t - a.position) / span));
    gradient[v * 3] = a.color.r + (b.color.r - a.color.r) * f;
    gradient[v * 3 + 1] = a.color.g + (b.color.g - a.color.g) * f;
    gradient[v * 3 + 2] = a.color.b + (b.color.b - a.color.b) * f;
  }
  const k = kernel.amount;
  for (let p = 0, i = 0; i < data.length; p += 1, i += channels) {
    const level = levels[p]!;
    for (let c = 0; c < 3; c += 1) data[i + c] = Math.round(clamp255(data[i + c]! * (1 - k) + gradient[level * 3 + c]! * k));
  }
  return { ...pixels, data };
}

// CIE Lab (D65) for e_replace_color, whose tolerance Cloudinary defines as a radius in Lab.
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const WHITE_X = 0.95047;
const WHITE_Z = 1.08883;
const labF = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
const labInverse = (f: number): number => (f ** 3 > 0.008856 ? f ** 3 : (f - 16 / 116) / 7.787);
const encode = (linear: number): number => 255 * (linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055);

/** Writes the Lab of an 8-bit sRGB colour into `out` (no allocation: it runs once per pixel). */
function toLab(r: number, g: number, b: number, out: Float64Array): void {
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const fx = labF((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / WHITE_X);
  const fy = labF(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = labF((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / WHITE_Z);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
}

function fromLab(l: number, a: number, b: number): [number, number, number] {
  const fy = (l + 16) / 116;
  const X = labInverse(fy + a / 500) * WHITE_X;
  const Y = labInverse(fy);
  const Z = labInverse(fy - b / 200) * WHITE_Z;
  return [
    clamp255(encode(3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z)),
    clamp255(encode(-0.969266 * X + 1.8760108 * Y + 0.041556 * Z)),
    clamp255(encode(0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z)),
  ];
}

/**
 * The colour e_replace_color replaces when none is given ("the most prominent high-saturation colour"):
 * the mean of the most frequent hue among pixels of saturation ≥ 0.4 and value ≥ 0.25 (36 hue bins);
 * null when the image has no such pixel.
 */
export function prominentColor(pixels: Pixels): Rgba | null {
  const { data, channels } = pixels;
  const bins = Array.from({ length: 36 }, () => ({ count: 0, r: 0, g: 0, b: 0 }));
  for (let i = 0; i < data.length; i += channels) {
    if (channels === 4 && data[i + 3]! < 128) continue;
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    if (max < 64 || (max - min) / max < 0.4) continue;
    const delta = max - min;
    let hue = max === r ? ((g - b) / delta) % 6 : max === g ? (b - r) / delta + 2 : (r - g) / delta + 4;
    if (hue < 0) hue += 6;
    const bin = bins[Math.min(35, Math.floor(hue * 6))]!;
    bin.count += 1;
    bin.r += r;
    bin.g += g;
    bin.b += b;
  }
  const best = bins.reduce((a, b) => (b.count > a.count ? b : a));
  if (best.count === 0) return null;
  return { r: Math.round(best.r / best.count), g: Math.round(best.g / best.count), b: Math.round(best.b / best.count), alpha: 1 };
}

/**
 * e_replace_color: every pixel within `tolerance` (a Lab distance) of `from` is moved in Lab by to − from
 * (so shading survives), fully within half the tolerance and fading out towards it; other pixels are
 * untouched.
 */
function replaceColor(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'replace_color' }>): Pixels {
  const from = kernel.from ?? prominentColor(pixels);
  if (from === null || kernel.tolerance === 0) return pixels;
  const lab = new Float64Array(3);
  toLab(from.r, from.g, from.b, lab);
  const [fl, fa, fb] = lab;
  toLab(kernel.to.r, kernel.to.g, kernel.to.b, lab);
  const [tl, ta, tb] = lab;
  const { channels } = pixels;
  const data = Buffer.from(pixels.data);
  const tolerance = kernel.tolerance;
  const squared = tolerance * tolerance;
  for (let i = 0; i < data.length; i += channels) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    toLab(r, g, b, lab);
    const dl = lab[0]! - fl!;
    const da = lab[1]! - fa!;
    const db = lab[2]! - fb!;
    const d2 = dl * dl + da * da + db * db;
    if (d2 >= squared) continue;
    const weight = 1 - smoothstep((Math.sqrt(d2) - tolerance / 2) / (tolerance / 2));
    const [nr, ng, nb] = fromLab(lab[0]! + tl! - fl!, lab[1]! + ta! - fa!, lab[2]! + tb! - fb!);
    data[i] = Math.round(r + (nr - r) * weight);
    data[i + 1] = Math.round(g + (ng - g) * weight);
    data[i + 2] = Math.round(b + (nb - b) * weight);
  }
  return { ...pixels, data };
}

/** How opaque e_gradient_fade leaves a pixel at `position` (0-based) along an axis of `size` pixels. */
function fadeFactor(axis: FadeAxis | null, position: number, size: number, symmetric: boolean, exponent: number): number {
  if (axis === null) return 1;
  const fromStart = position + 0.5;
  const fromEnd = size - position - 0.5;
  const distances = symmetric ? [fromStart, fromEnd] : [axis.fromEnd ? fromEnd : fromStart];
  let factor = 1;
  for (const distance of distances) if (distance < axis.extent) factor = Math.min(factor, (distance / axis.extent) ** exponent);
  return factor;
}

/**
 * e_gradient_fade: alpha ramps from transparent at the edge to opaque `extent` pixels in, as t^exponent
 * (exponent = strength / 20: the default 20 is linear, stronger fades longer). x and y each fade their
 * edge (both given: both fade); symmetric fades the opposite edge too.
 */
function gradientFade(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'gradient_fade' }>): Pixels {
  const image = withAlpha(pixels);
  const { width, height } = image;
  const data = Buffer.from(image.data);
  const columns = Float64Array.from({ length: width }, (_, x) => fadeFactor(kernel.x, x, width, kernel.symmetric, kernel.exponent));
  for (let y = 0; y < height; y += 1) {
    const row = fadeFactor(kernel.y, y, height, kernel.symmetric, kernel.exponent);
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4 + 3;
      data[i] = Math.round(data[i]! * row * columns[x]!);
    }
  }
  return { ...image, data };
}

/** The value below which `fraction` of the histogram lies. */
function percentile(histogram: Float64Array, total: number, fraction: number): number {
  let running = 0;
  for (let v = 0; v < histogram.length; v += 1) {
    running += histogram[v]!;
    if (running >= total * fraction) return v;
  }
  return histogram.length - 1;
}

/** A linear stretch lo..hi → 0..255 as a table; identity when the range is too narrow to stretch safely (a flat image stays flat). */
function stretchTable(lo: number, hi: number): Float64Array {
  const table = new Float64Array(256);
  const wide = hi - lo > 8;
  for (let v = 0; v < 256; v += 1) table[v] = wide ? clamp255(((v - lo) * 255) / (hi - lo)) : v;
  return table;
}

/** Composes `table` after `current` (both 256-entry, values 0..255, interpolated between entries). */
function compose(current: Float64Array<ArrayBufferLike>, table: Float64Array<ArrayBufferLike>): Float64Array<ArrayBufferLike> {
  return current.map((value) => {
    const low = Math.floor(value);
    const high = Math.min(255, low + 1);
    return table[low]! + (table[high]! - table[low]!) * (value - low);
  });
}

/**
 * e_auto_color, e_auto_contrast, e_auto_brightness and e_improve, from the image's own statistics
 * (pixels with any opacity): color stretches each channel from its 0.5th to 99.5th percentile (removing a
 * cast); contrast stretches all channels alike from the luma's 1st to 99th percentile; brightness
 * applies the gamma that brings the mean luma to mid-grey (between 0.5 and 2). The result is blended
 * with the original by `blend`. Each step is a per-channel table, so the steps compose into one table
 * per channel and the pixels are written once.
 */
function autoAdjust(pixels: Pixels, steps: readonly AutoAdjustment[], blend: number): Pixels {
  const { channels } = pixels;
  const original = pixels.data;
  const counted = (i: number): boolean => channels === 3 || original[i + 3]! > 0;
  const identity = Float64Array.from({ length: 256 }, (_, v) => v);
  let tables: Float64Array<ArrayBufferLike>[] = [identity, identity, identity];
  const histograms = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  let total = 0;
  for (let i = 0; i < original.length; i += channels) {
    if (!counted(i)) continue;
    histograms[0]![original[i]!]! += 1;
    histograms[1]![original[i + 1]!]! += 1;
    histograms[2]![original[i + 2]!]! += 1;
    total += 1;
  }
  if (total === 0) return pixels;
  for (const step of steps) {
    if (step === 'color') {
      // Each channel's histogram after the tables so far, from the original one (no pixel pass).
      tables = tables.map((table, c) => {
        const moved = new Float64Array(256);
        histograms[c]!.forEach((count, v) => (moved[Math.round(table[v]!)]! += count));
        return compose(table, stretchTable(percentile(moved, total, 0.005), percentile(moved, total, 0.995)));
      });
      continue;
    }
    const [red, green, blue] = tables as [Float64Array, Float64Array, Float64Array];
    const histogram = new Float64Array(256);
    let sum = 0;
    for (let i = 0; i < original.length; i += channels) {
      if (!counted(i)) continue;
      const level = luma(red[original[i]!]!, green[original[i + 1]!]!, blue[original[i + 2]!]!);
      histogram[Math.round(level)]! += 1;
      sum += level;
    }
    let table: Float64Array;
    if (step === 'contrast') table = stretchTable(percentile(histogram, total, 0.01), percentile(histogram, total, 0.99));
    else {
      const mean = sum / total;
      const exponent = mean < 8 || mean > 247 ? 1 : Math.min(2, Math.max(0.5, Math.log(0.5) / Math.log(mean / 255)));
      table = Float64Array.from({ length: 256 }, (_, v) => 255 * (v / 255) ** exponent);
    }
    tables = tables.map((current) => compose(current, table));
  }
  const final = tables.map((table) => Uint8Array.from(table, (value, v) => Math.round(clamp255(v * (1 - blend) + value * blend))));
  const data = Buffer.from(original);
  const [red, green, blue] = final as [Uint8Array, Uint8Array, Uint8Array];
  for (let i = 0; i < data.length; i += channels) {
    data[i] = red[data[i]!]!;
    data[i + 1] = green[data[i + 1]!]!;
    data[i + 2] = blue[data[i + 2]!]!;
  }
  return { ...pixels, data };
}

/**
 * e_cartoonify: chroma boosted by `saturation` and each channel posterised to `levels` (the luma alone
 * with bw), then black lines where the luma's edge strength (Sobel over a Gaussian blur of sigma 1, /4) exceeds
 * `lineThreshold`.
 */
async function cartoonify(pixels: Pixels, kernel: Extract<PixelKernel, { name: 'cartoonify' }>): Promise<Pixels> {
  const { width, height, channels } = pixels;
  const data = Buffer.from(pixels.data);
  const count = width * height;
  const levels = Math.max(2, kernel.levels);
  const step = 255 / (levels - 1);
  const posterize = (value: number): number => Math.round(Math.round(clamp255(value) / step) * step);
  const grey = new Uint8Array(count);
  for (let p = 0; p < count; p += 1) {
    const i = p * channels;
    const level = luma(data[i]!, data[i + 1]!, data[i + 2]!);
    grey[p] = Math.round(level);
    for (let c = 0; c < 3; c += 1) data[i + c] = kernel.bw ? posterize(level) : posterize(level + (data[i + c]! - level) * kernel.saturation);
  }
  if (kernel.lineThreshold !== null && width > 2 && height > 2) {
    const smooth = await blurPlane(grey, width, height, 1);
    // Compared squared, and over the inner pixels only (the outermost row and column have no line).
    const threshold = (kernel.lineThreshold * 4) ** 2;
    for (let y = 1; y < height - 1; y += 1) {
      for (let x = 1; x < width - 1; x += 1) {
        const p = y * width + x;
        const nw = smooth[p - width - 1]!;
        const n = smooth[p - width]!;
        const ne = smooth[p - width + 1]!;
        const w = smooth[p - 1]!;
        const e = smooth[p + 1]!;
        const sw = smooth[p + width - 1]!;
        const so = smooth[p + width]!;
        const se = smooth[p + width + 1]!;
        const gx = ne + 2 * e + se - nw - 2 * w - sw;
        const gy = sw + 2 * so + se - nw - 2 * n - ne;
        if (gx * gx + gy * gy > threshold) {
          const i = (y * width + x) * channels;
          data[i] = 0;
          data[i + 1] = 0;
          data[i + 2] = 0;
        }
      }
    }
  }
  return { ...pixels, data };
}
