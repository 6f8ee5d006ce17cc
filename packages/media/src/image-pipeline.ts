import sharp from 'sharp';
import type { OutputInfo, OverlayOptions, Sharp } from 'sharp';
import type { EncodeSettings } from './encode-settings.ts';
import { AVIF_EFFORT, LOSSY_GIF_FRAME_ERROR } from './encode-settings.ts';
import type { CoverPosition, ImageOperation, Rgba } from './pixel-operations.ts';
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

function slotOf(operation: ImageOperation): number {
  switch (operation.op) {
    case 'mask':
    case 'fade':
    case 'flatten':
      return SLOT.composite;
    default:
      return SLOT[operation.op];
  }
}

/** Whether sharp, given this pass so far, would run `operation` after all of it. */
function fits(pass: Pass, operation: ImageOperation): boolean {
  const slot = slotOf(operation);
  if (operation.op === 'flip' || operation.op === 'flop' || operation.op === 'rotate') {
    return !pass.sized && slot > pass.last;
  }
  if (slot === SLOT.composite && pass.last === SLOT.composite) return true;
  return slot > pass.last;
}

function apply(pass: Pass, operation: ImageOperation): void {
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
      image.sharpen({ sigma: operation.sigma });
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

/**
 * Applies `operations` in order, starting from `input` (a fresh sharp instance with nothing applied),
 * materialising between passes. Returns the last pass, ready for an encoder or `toRaw`.
 */
export async function runOperations(input: Sharp, operations: readonly ImageOperation[], deadline: Deadline): Promise<RunResult> {
  let pass: Pass = { image: input, last: 0, sized: false, composites: [], count: 1 };
  for (const operation of operations) {
    if (!fits(pass, operation)) {
      const raw = await toRaw(seal(pass), deadline);
      pass = { image: fromRaw(raw), last: 0, sized: false, composites: [], count: pass.count + 1 };
    }
    apply(pass, operation);
  }
  return { image: seal(pass), passes: pass.count };
}

export type AnimationOptions = { delay?: number[]; loop?: number };

/** Sets the encoder; the caller writes the file. */
export function encode(image: Sharp, settings: EncodeSettings, animation: AnimationOptions = {}): Sharp {
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
