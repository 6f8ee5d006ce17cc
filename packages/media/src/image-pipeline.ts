import sharp from 'sharp';
import type { OutputInfo, OverlayOptions, Sharp } from 'sharp';
import type { EncodeSettings } from './encode-settings.ts';
import { AVIF_EFFORT, LOSSY_GIF_FRAME_ERROR } from './encode-settings.ts';
import { findTrimBox, runKernel } from './effect-kernels.ts';
import type { CoverPosition, ImageOperation, LayerPixels, Rgba } from './pixel-operations.ts';
import { MediaError } from './media-error.ts';
import { toMediaError } from './sharp-errors.ts';

// Runs a list of ImageOperations on sharp. A sharp pipeline applies its operations in a fixed order of
// its own (extract, resize and crop, flip/flop/rotate, extend, blur, recomb, modulate, sharpen, composite,
// linear, alpha, negate), whatever order the methods were called in, and each at most once. So the list
// is cut into passes: an operation joins the current pass when sharp would run it after everything already
// in it; otherwise the pass is materialised (raw pixels, bounded by the projected sizes) and a new sharp
// instance starts from them. A plan of one sizing component with effects and an encoder runs as one pass.

/** sharp's order, for the operations used here. Equal slots conflict except composites, which batch. */
const SLOT = {
  extract: 1,
  resize: 2,
  cover: 2,
  flip: 3,
  flop: 4,
  rotate: 5,
  extend: 7,
  median: 8,
  blur: 9,
  recomb: 10,
  modulate: 11,
  sharpen: 12,
  composite: 13,
  linear: 14,
  removeAlpha: 15,
  negate: 16,
} as const;

const COMPASS_POSITION = {
  north_west: 'northwest',
  north: 'north',
  north_east: 'northeast',
  west: 'west',
  center: 'centre',
  east: 'east',
  south_west: 'southwest',
  south: 'south',
  south_east: 'southeast',
} as const;

/** Time left for the whole execution; every pass gets what remains, and no pass starts after it ran out. */
export class Deadline {
  readonly #endsAt: number;

  constructor(seconds: number) {
    this.#endsAt = Date.now() + seconds * 1000;
  }

  /** Whole seconds left for libvips' own timeout (at least 1); throws once the time is up. */
  secondsLeft(): number {
    const left = this.#endsAt - Date.now();
    if (left <= 0) throw new MediaError('timeout', 'Image processing took too long');
    return Math.max(1, Math.ceil(left / 1000));
  }
}

type Pass = {
  image: Sharp;
  /** The highest slot used so far; 0 when none. */
  last: number;
  /** An extract or resize is in this pass (rotation and mirroring would then run before its crop). */
  sized: boolean;
  composites: OverlayOptions[];
  /** Passes run so far, this one included. */
  count: number;
};

export type RawImage = { data: Buffer; info: OutputInfo };

const sharpColor = (color: Rgba): { r: number; g: number; b: number; alpha: number } => ({
  r: color.r,
  g: color.g,
  b: color.b,
  alpha: color.alpha,
});

const solid = (width: number, height: number, color: Rgba): OverlayOptions['input'] => ({
  create: { width, height, channels: 4, background: sharpColor(color) },
});

function maskSvg(operation: Extract<ImageOperation, { op: 'mask' }>): Buffer {
  const { width, height } = operation;
  const shape =
    operation.shape.kind === 'ellipse'
      ? `<ellipse cx="${width / 2}" cy="${height / 2}" rx="${width / 2}" ry="${height / 2}"/>`
      : `<rect width="${width}" height="${height}" rx="${Math.min(operation.shape.radius, width / 2, height / 2)}"/>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shape}</svg>`);
}

const coverPosition = (position: CoverPosition): string | number =>
  position.kind === 'attention' ? sharp.strategy.attention : COMPASS_POSITION[position.direction];

function slotOf(operation: Exclude<ImageOperation, { op: 'kernel' | 'trim' }>): number {
  switch (operation.op) {
    case 'mask':
    case 'fade':
    case 'flatten':
    case 'layer':
      return SLOT.composite;
    default:
      return SLOT[operation.op];
  }
}

/** Whether sharp, given this pass so far, would run `operation` after all of it. */
function fits(pass: Pass, operation: Exclude<ImageOperation, { op: 'kernel' | 'trim' }>): boolean {
  const slot = slotOf(operation);
  if (operation.op === 'flip' || operation.op === 'flop' || operation.op === 'rotate') {
    return !pass.sized && slot > pass.last;
  }
  if (slot === SLOT.composite && pass.last === SLOT.composite) return true;
  return slot > pass.last;
}

function apply(pass: Pass, operation: Exclude<ImageOperation, { op: 'kernel' | 'trim' }>): void {
  const { image } = pass;
  switch (operation.op) {
    case 'extract':
      image.extract({ left: operation.left, top: operation.top, width: operation.width, height: operation.height });
      pass.sized = true;
      break;
    case 'resize':
      image.resize(operation.width, operation.height, { fit: 'fill', kernel: operation.kernel });
      pass.sized = true;
      break;
    case 'cover':
      image.resize(operation.width, operation.height, { fit: 'cover', position: coverPosition(operation.position) });
      pass.sized = true;
      break;
    case 'rotate':
      if (operation.degrees % 90 === 0) image.rotate(operation.degrees);
      else image.rotate(operation.degrees, { background: sharpColor(operation.background) });
      break;
    case 'flip':
      image.flip();
      break;
    case 'flop':
      image.flop();
      break;
    case 'extend':
      image.extend({
        top: operation.top,
        right: operation.right,
        bottom: operation.bottom,
        left: operation.left,
        background: sharpColor(operation.background),
      });
      break;
    case 'blur':
      image.blur({ sigma: operation.sigma });
      break;
    case 'recomb':
      image.recomb(operation.matrix);
      break;
    case 'modulate':
      image.modulate({ brightness: operation.brightness, saturation: operation.saturation });
      break;
    case 'sharpen':
      image.sharpen({
        sigma: operation.sigma,
        ...(operation.flat === undefined ? {} : { m1: operation.flat }),
        ...(operation.jagged === undefined ? {} : { m2: operation.jagged }),
      });
      break;
    case 'median':
      image.median(operation.size);
      break;
    case 'linear':
      image.linear(operation.a, operation.b);
      break;
    case 'mask':
      pass.composites.push({ input: maskSvg(operation), blend: 'dest-in' });
      break;
    case 'fade':
      pass.composites.push({ input: solid(operation.width, operation.height, { r: 0, g: 0, b: 0, alpha: operation.opacity }), blend: 'dest-in' });
      break;
    case 'flatten':
      // Not sharp's flatten(): it runs before the resize (on the larger image) and flattens a grey image
      // onto the grey of the colour. A solid underlay is composited in sRGB, at the output size.
      pass.composites.push({ input: solid(operation.width, operation.height, operation.color), blend: 'dest-over' });
      if (operation.color.alpha === 1) {
        image.removeAlpha();
        pass.last = SLOT.removeAlpha;
        return;
      }
      break;
    case 'negate':
      image.negate({ alpha: false });
      break;
  }
  pass.last = Math.max(pass.last, slotOf(operation));
}

function seal(pass: Pass): Sharp {
  if (pass.composites.length > 0) pass.image.composite(pass.composites);
  pass.composites = [];
  return pass.image;
}

/** Decodes what a sharp instance produces into raw pixels (sRGB, 8 bits, alpha kept). */
export async function toRaw(image: Sharp, deadline: Deadline): Promise<RawImage> {
  try {
    const { data, info } = await image.timeout({ seconds: deadline.secondsLeft() }).raw().toBuffer({ resolveWithObject: true });
    return { data, info };
  } catch (error) {
    throw toMediaError(error);
  }
}

/** A sharp instance on raw pixels this process made (their size is bounded by the projection, not the input limit). */
export function fromRaw(raw: RawImage): Sharp {
  const { width, height, channels } = raw.info;
  return sharp(raw.data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 }, limitInputPixels: false });
}

export type RunResult = { image: Sharp; passes: number };

/** The pass so far as 8-bit sRGB pixels with 3 or 4 channels, what effect kernels read (a grey or CMYK image becomes sRGB). */
async function toSrgbRaw(pass: Pass, deadline: Deadline): Promise<RawImage> {
  return toRaw(seal(pass).toColourspace('srgb'), deadline);
}

/**
 * Applies `operations` in order, starting from `input` (a fresh sharp instance with nothing applied),
 * materialising between passes. Returns the last pass, ready for an encoder or `toRaw`.
 *
 * Two operations always end the pass before them: an effect kernel (JavaScript over the materialised
 * sRGB pixels, its result the next pass's input), and e_trim, which measures the pixels, cuts them, and
 * replaces the rest of the list with what its `then` makes of the size it cut to.
 */
export async function runOperations(input: Sharp, operations: readonly ImageOperation[], deadline: Deadline): Promise<RunResult> {
  let pass: Pass = { image: input, last: 0, sized: false, composites: [], count: 1 };
  const queue = [...operations];
  for (let operation = queue.shift(); operation !== undefined; operation = queue.shift()) {
    if (operation.op === 'kernel') {
      const raw = await runKernel(operation.kernel, await toSrgbRaw(pass, deadline));
      deadline.secondsLeft();
      pass = { image: fromRaw(raw), last: 0, sized: false, composites: [], count: pass.count + 1 };
      continue;
    }
    if (operation.op === 'trim') {
      // Measured in JavaScript on the edges only (sharp's trim filters the whole image first).
      const raw = await toSrgbRaw(pass, deadline);
      operation.memo.box ??= findTrimBox(raw, operation.threshold, operation.background);
      const box = operation.memo.box;
      // A frame smaller than the first one's box (never, for frames of one animation) keeps its size.
      const fitsFrame = box.left + box.width <= raw.info.width && box.top + box.height <= raw.info.height;
      const size = fitsFrame ? { width: box.width, height: box.height } : { width: raw.info.width, height: raw.info.height };
      const image = fromRaw(raw);
      const cut = size.width !== raw.info.width || size.height !== raw.info.height;
      if (cut) image.extract(box);
      pass = { image, last: cut ? SLOT.extract : 0, sized: cut, composites: [], count: pass.count + 1 };
      queue.splice(0, queue.length, ...operation.then(size));
      continue;
    }
    if (operation.op === 'layer') {
      const pixels = await operation.pixels();
      // Growing the canvas is an extend, which sharp runs before every composite of the pass.
      const grows = Object.values(operation.extend).some((edge) => edge > 0);
      if (grows ? pass.last >= SLOT.extend : pass.last > SLOT.composite) {
        const raw = await toRaw(seal(pass), deadline);
        pass = { image: fromRaw(raw), last: 0, sized: false, composites: [], count: pass.count + 1 };
      }
      applyLayer(pass, operation, pixels);
      continue;
    }
    if (!fits(pass, operation)) {
      const raw = await toRaw(seal(pass), deadline);
      pass = { image: fromRaw(raw), last: 0, sized: false, composites: [], count: pass.count + 1 };
    }
    apply(pass, operation);
  }
  return { image: seal(pass), passes: pass.count };
}

const CLEAR: Rgba = { r: 0, g: 0, b: 0, alpha: 0 };

/** A layer (l_/u_): the canvas grows by `extend` (transparent), then the layer's pixels join the pass's composites. */
function applyLayer(pass: Pass, operation: Extract<ImageOperation, { op: 'layer' }>, pixels: LayerPixels | null): void {
  const { top, right, bottom, left } = operation.extend;
  if (top + right + bottom + left > 0) pass.image.extend({ top, right, bottom, left, background: sharpColor(CLEAR) });
  if (pixels !== null) {
    const layer = { input: pixels.data, raw: { width: pixels.width, height: pixels.height, channels: 4 as const }, blend: operation.blend };
    pass.composites.push(operation.tile ? { ...layer, tile: true, gravity: 'northwest' } : { ...layer, left: pixels.left, top: pixels.top });
  }
  pass.last = Math.max(pass.last, SLOT.composite);
}

export type AnimationOptions = { delay?: number[]; loop?: number };

/** cs_: the colour space the encoder writes (sRGB without a profile is sharp's default). */
function applyColorSpace(image: Sharp, settings: EncodeSettings): void {
  switch (settings.colorSpace) {
    case 'srgb':
      return;
    case 'tinysrgb':
      // libvips' bundled sRGB profile: a few hundred bytes, where a camera's sRGB profile is kilobytes.
      image.withIccProfile('srgb');
      return;
    case 'cmyk':
      // The conversion uses libvips' bundled CMYK profile, which the output then carries.
      image.toColourspace('cmyk').withIccProfile('cmyk');
      return;
    case 'keep_cmyk':
      // The executor turns keep_cmyk into cmyk or srgb once it has looked at the source.
      return;
    case 'copy':
      image.keepIccProfile();
      return;
  }
}

/** Sets the encoder; the caller writes the file. */
export function encode(image: Sharp, settings: EncodeSettings, animation: AnimationOptions = {}): Sharp {
  applyColorSpace(image, settings);
  switch (settings.format) {
    case 'jpg':
      return image.jpeg({ ...quality(settings.quality), progressive: settings.progressive });
    case 'png':
      return image.png({ progressive: settings.progressive, palette: settings.palette, ...quality(settings.quality) });
    case 'webp':
      return image.webp(quality(settings.quality));
    case 'avif':
      return image.avif({ ...quality(settings.quality), effort: AVIF_EFFORT });
    case 'gif':
      return image.gif({
        progressive: settings.progressive,
        ...(settings.lossy ? { interFrameMaxError: LOSSY_GIF_FRAME_ERROR } : {}),
        ...animation,
      });
    case 'tiff':
      return image.tiff({ compression: 'lzw' });
  }
}

const quality = (value: number | null): { quality?: number } => (value === null ? {} : { quality: value });
