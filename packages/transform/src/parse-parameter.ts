import { parseColor } from './color.ts';
import { transformErrors, type NamedKey } from './messages.ts';
import {
  AUTO_QUALITY_LEVELS,
  COMPASS_GRAVITIES,
  CROP_MODES,
  FORMATS,
  SIMPLE_FLAGS,
  type Angle,
  type AspectRatio,
  type AutoQualityLevel,
  type Border,
  type Component,
  type CompassGravity,
  type CropMode,
  type Effect,
  type EffectName,
  type Flag,
  type Format,
  type Gravity,
  type Length,
  type Quality,
  type Radius,
  type SimpleFlagName,
  type VideoOffset,
} from './plan.ts';

// One parameter (`key_value`) → one field of a Component. Each parser validates completely and throws
// the 400 that names the parameter; nothing here guesses or coerces beyond Cloudinary's own spellings.

const UNSIGNED_INT = /^\d+$/;
const SIGNED_INT = /^-?\d+$/;
const UNSIGNED_DECIMAL = /^\d+\.\d+$/;
const SIGNED_DECIMAL = /^-?\d+\.\d+$/;
const UNSIGNED_NUMBER = /^\d+(?:\.\d+)?$/;

/** Largest `dn_` (dots per inch) accepted: a US Letter page at 600 dpi is 5100x6600 pixels. */
export const MAX_DENSITY = 600;

/** Largest relative size (`w_1000.0` = 1000 × the input) and aspect ratio accepted; larger is a 400. */
export const MAX_FRACTION = 1000;
const MAX_RATIO_TERM = 1_000_000;

/** Cloudinary keys Rendition knows but does not implement: refused as unsupported, not unknown. */
export const UNSUPPORTED_KEYS: ReadonlySet<string> = new Set(['af', 'co', 'cs', 'd', 'dl', 'fn', 'if', 'ki', 'l', 'p', 'sp', 'u', 'vs', 'z']);

/** The keys this package parses, in the order the canonical string emits them (sorted, as the SDK does). */
export const SUPPORTED_KEYS = [
  'a',
  'ac',
  'ar',
  'b',
  'bo',
  'br',
  'c',
  'dn',
  'dpr',
  'du',
  'e',
  'eo',
  'f',
  'fl',
  'fps',
  'g',
  'h',
  'o',
  'pg',
  'q',
  'r',
  'so',
  't',
  'vc',
  'w',
  'x',
  'y',
] as const;
export type SupportedKey = (typeof SUPPORTED_KEYS)[number];

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_KEYS);
export const isSupportedKey = (key: string): key is SupportedKey => SUPPORTED.has(key);

const safeInt = (key: NamedKey, value: string, min: number, max: number): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw transformErrors.invalidValue(key, value);
  // `-0` is 0: the canonical text writes it `0`, and the plan must be the one that text parses to.
  return n === 0 ? 0 : n;
};

/** w_/h_: `200` pixels (>= 1) or `0.5` a fraction of the input (> 0). */
function parseSize(key: 'w' | 'h', value: string): Length {
  if (UNSIGNED_INT.test(value)) return { kind: 'pixels', value: safeInt(key, value, 1, Number.MAX_SAFE_INTEGER) };
  if (UNSIGNED_DECIMAL.test(value)) {
    const fraction = Number(value);
    if (fraction > 0 && fraction <= MAX_FRACTION) return { kind: 'fraction', value: fraction };
  }
  throw transformErrors.invalidValue(key, value);
}

/** x_/y_: pixels (any sign) or a fraction of the input (any sign). */
function parseOffset(key: 'x' | 'y', value: string): Length {
  if (SIGNED_INT.test(value)) return { kind: 'pixels', value: safeInt(key, value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) };
  if (SIGNED_DECIMAL.test(value)) {
    const fraction = Number(value);
    if (Math.abs(fraction) <= MAX_FRACTION) return { kind: 'fraction', value: fraction === 0 ? 0 : fraction };
  }
  throw transformErrors.invalidValue(key, value);
}

function parseAspectRatio(value: string): AspectRatio {
  const ratio = /^(\d+):(\d+)$/.exec(value);
  if (ratio !== null) {
    const width = Number(ratio[1]);
    const height = Number(ratio[2]);
    if (width >= 1 && height >= 1 && width <= MAX_RATIO_TERM && height <= MAX_RATIO_TERM) return { kind: 'ratio', width, height };
  } else if (UNSIGNED_NUMBER.test(value)) {
    const decimal = Number(value);
    if (decimal >= 1 / MAX_FRACTION && decimal <= MAX_FRACTION) return { kind: 'decimal', value: decimal };
  }
  throw transformErrors.invalidValue('ar', value);
}

const isOneOf = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

function parseCrop(value: string): CropMode {
  if (isOneOf(CROP_MODES, value)) return value;
  throw transformErrors.invalidCrop(value);
}

const FACE_GRAVITY = /^faces?(?::(?:center|auto))?$/;
const AUTO_GRAVITY = /^auto(?::[a-z_]{1,40})?$/;

function parseGravity(value: string): Gravity {
  if (isOneOf<CompassGravity>(COMPASS_GRAVITIES, value)) return { kind: 'compass', direction: value };
  if (FACE_GRAVITY.test(value)) return { kind: 'auto', requested: value, faceFallback: true };
  if (AUTO_GRAVITY.test(value)) return { kind: 'auto', requested: value, faceFallback: value.includes('face') };
  throw transformErrors.invalidGravity(value);
}

function parseQuality(value: string): Quality {
  if (value === 'auto') return { kind: 'auto', level: null };
  if (value.startsWith('auto:')) {
    const level = value.slice('auto:'.length);
    if (isOneOf<AutoQualityLevel>(AUTO_QUALITY_LEVELS, level)) return { kind: 'auto', level };
  } else if (UNSIGNED_INT.test(value)) {
    return { kind: 'fixed', value: safeInt('q', value, 1, 100) };
  }
  throw transformErrors.invalidValue('q', value);
}

function parseFormat(value: string): Format {
  if (isOneOf(FORMATS, value)) return value;
  throw transformErrors.invalidFormat(value);
}

type EffectRule = { min: number; max: number; default: number };
/** Ranges and defaults of the effects that take a value (Cloudinary's transformation reference). */
export const EFFECT_RULES: Readonly<Record<Exclude<EffectName, 'grayscale' | 'negate'>, EffectRule>> = {
  blackwhite: { min: 0, max: 100, default: 50 },
  sepia: { min: 1, max: 100, default: 80 },
  blur: { min: 1, max: 2000, default: 100 },
  sharpen: { min: 1, max: 2000, default: 100 },
  brightness: { min: -99, max: 100, default: 80 },
  contrast: { min: -100, max: 100, default: 0 },
  saturation: { min: -100, max: 100, default: 80 },
  pixelate: { min: 1, max: 200, default: 5 },
};

function parseEffect(value: string): Effect {
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  const argument = colon === -1 ? undefined : value.slice(colon + 1);
  if (name === 'grayscale' || name === 'negate') {
    if (argument === undefined) return { name };
    throw transformErrors.invalidEffect(value);
  }
  if (!Object.hasOwn(EFFECT_RULES, name)) throw transformErrors.invalidEffect(value);
  const effectName = name as keyof typeof EFFECT_RULES;
  const rule = EFFECT_RULES[effectName];
  if (argument === undefined) return { name: effectName, value: rule.default };
  const n = Number(argument);
  if (!SIGNED_INT.test(argument) || !Number.isSafeInteger(n) || n < rule.min || n > rule.max) throw transformErrors.invalidEffect(value);
  return { name: effectName, value: n === 0 ? 0 : n };
}

function parseRadius(value: string): Radius {
  if (value === 'max') return { kind: 'max' };
  if (UNSIGNED_INT.test(value)) return { kind: 'pixels', value: safeInt('r', value, 0, Number.MAX_SAFE_INTEGER) };
  throw transformErrors.invalidValue('r', value);
}

const ANGLE_MODES = ['exif', 'auto_right', 'auto_left', 'hflip', 'vflip'] as const;

function parseAngle(value: string): Angle[] {
  return value.split('.').map((step): Angle => {
    if (isOneOf(ANGLE_MODES, step)) return { kind: step };
    if (SIGNED_INT.test(step)) {
      const degrees = Number(step);
      if (degrees >= -360 && degrees <= 360) return { kind: 'degrees', value: degrees === 0 ? 0 : degrees };
    }
    throw transformErrors.invalidValue('a', value);
  });
}

function parseBorder(value: string): Border {
  const match = /^(\d+)px_solid_(.+)$/.exec(value);
  if (match === null) throw transformErrors.invalidValue('bo', value);
  const width = Number(match[1]);
  if (!Number.isSafeInteger(width) || width < 1) throw transformErrors.invalidValue('bo', value);
  return { width, style: 'solid', color: parseColor(match[2]!) };
}

function parseDpr(value: string): number {
  if (value === 'auto') return 1;
  if (UNSIGNED_NUMBER.test(value)) {
    const dpr = Number(value);
    if (dpr >= 0.1 && dpr <= 5) return dpr;
  }
  throw transformErrors.invalidValue('dpr', value);
}

/** Cloudinary's page selections that make a multi-page PDF (`pg_3-5`, `pg_5-`, `pg_3;5;7`) or explode (`pg_all`). */
const PAGE_SELECTION = /^(?:all|\d+-\d*|\d+(?:-\d*)?(?:;\d+(?:-\d*)?)+)$/;

/** pg_: one 1-based page. Ranges, lists and `all` are Cloudinary's but not implemented: refused as unsupported. */
function parsePage(value: string): number {
  if (UNSIGNED_INT.test(value)) return safeInt('pg', value, 1, Number.MAX_SAFE_INTEGER);
  if (PAGE_SELECTION.test(value)) throw transformErrors.unsupportedPageSelection(`pg_${value}`);
  throw transformErrors.invalidValue('pg', value);
}

const ATTACHMENT_NAME = /^[A-Za-z0-9_-]{1,100}$/;

function parseFlags(value: string): Flag[] {
  const byName = new Map<string, Flag>();
  for (const text of value.split('.')) {
    let flag: Flag;
    if (isOneOf<SimpleFlagName>(SIMPLE_FLAGS, text)) flag = { name: text };
    else if (text === 'attachment') flag = { name: 'attachment', filename: null };
    else if (text.startsWith('attachment:') && ATTACHMENT_NAME.test(text.slice('attachment:'.length))) {
      flag = { name: 'attachment', filename: text.slice('attachment:'.length) };
    } else throw transformErrors.invalidFlag(text);
    byName.set(flag.name, flag);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const NAMED = /^[A-Za-z0-9_-]{1,200}$/;

function parseNamed(value: string): string[] {
  const names = value.split('.');
  for (const name of names) if (!NAMED.test(name)) throw transformErrors.invalidNamed(value);
  return names;
}

function parseVideoOffset(key: 'so' | 'eo' | 'du', value: string): VideoOffset {
  const match = /^(\d+(?:\.\d+)?)([p%]?)$/.exec(value);
  if (match === null) throw transformErrors.invalidValue(key, value);
  const n = Number(match[1]);
  if (!Number.isFinite(n)) throw transformErrors.invalidValue(key, value);
  if (match[2] === '') return { kind: 'seconds', value: n };
  if (n > 100) throw transformErrors.invalidValue(key, value);
  return { kind: 'percent', value: n };
}

const matchOrThrow = (key: NamedKey, pattern: RegExp, value: string): string => {
  if (!pattern.test(value)) throw transformErrors.invalidValue(key, value);
  return value;
};

/** Applies one supported parameter to the component being built (a repeated key overwrites: last wins). */
export function applyParameter(component: Component, key: SupportedKey, value: string): void {
  switch (key) {
    case 'w':
      component.width = parseSize('w', value);
      return;
    case 'h':
      component.height = parseSize('h', value);
      return;
    case 'ar':
      component.aspectRatio = parseAspectRatio(value);
      return;
    case 'c':
      component.crop = parseCrop(value);
      return;
    case 'g':
      component.gravity = parseGravity(value);
      return;
    case 'x':
      component.x = parseOffset('x', value);
      return;
    case 'y':
      component.y = parseOffset('y', value);
      return;
    case 'q':
      component.quality = parseQuality(value);
      return;
    case 'f':
      component.format = parseFormat(value);
      return;
    case 'e':
      component.effect = parseEffect(value);
      return;
    case 'r':
      component.radius = parseRadius(value);
      return;
    case 'a':
      component.angle = parseAngle(value);
      return;
    case 'b':
      if (value.startsWith('auto')) throw transformErrors.invalidColor(value);
      component.background = parseColor(value);
      return;
    case 'bo':
      component.border = parseBorder(value);
      return;
    case 'o':
      if (!UNSIGNED_INT.test(value)) throw transformErrors.invalidValue('o', value);
      component.opacity = safeInt('o', value, 0, 100);
      return;
    case 'dpr':
      component.dpr = parseDpr(value);
      return;
    case 'fl':
      component.flags = parseFlags(value);
      return;
    case 'pg':
      component.page = parsePage(value);
      return;
    case 'dn':
      if (!UNSIGNED_INT.test(value)) throw transformErrors.invalidValue('dn', value);
      component.density = safeInt('dn', value, 1, MAX_DENSITY);
      return;
    case 't':
      component.named = parseNamed(value);
      return;
    case 'so':
      (component.videoOnly ??= {}).startOffset = parseVideoOffset('so', value);
      return;
    case 'eo':
      (component.videoOnly ??= {}).endOffset = parseVideoOffset('eo', value);
      return;
    case 'du':
      (component.videoOnly ??= {}).duration = parseVideoOffset('du', value);
      return;
    case 'vc':
      (component.videoOnly ??= {}).videoCodec = matchOrThrow('vc', /^[a-z0-9]{1,20}(?::[a-z0-9.]{1,20}){0,2}$/, value);
      return;
    case 'ac':
      (component.videoOnly ??= {}).audioCodec = matchOrThrow('ac', /^[a-z0-9_]{1,20}$/, value);
      return;
    case 'br':
      (component.videoOnly ??= {}).bitRate = matchOrThrow('br', /^\d{1,12}[km]?$/, value);
      return;
    case 'fps':
      (component.videoOnly ??= {}).fps = matchOrThrow('fps', /^\d{1,4}(?:\.\d{1,4})?(?:-(?:\d{1,4}(?:\.\d{1,4})?)?)?$/, value);
      return;
  }
}
