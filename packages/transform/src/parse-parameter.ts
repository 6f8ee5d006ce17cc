import { parseColor } from './color.ts';
import { parseImageEffect, type EffectRule } from './parse-effect.ts';
import { transformErrors, type NamedKey } from './messages.ts';
import {
  AUDIO_CODEC_PARAMS,
  AUDIO_FREQUENCIES,
  AUTO_QUALITY_LEVELS,
  COLOR_SPACES,
  COMPASS_GRAVITIES,
  CROP_MODES,
  FORMATS,
  SIMPLE_FLAGS,
  VIDEO_CODEC_PROFILES,
  type Angle,
  type AspectRatio,
  type AudioFrequency,
  type AutoQualityLevel,
  type BitRate,
  type Border,
  type Component,
  type CompassGravity,
  type CropMode,
  type Effect,
  type Flag,
  type Format,
  type FrameRate,
  type Gravity,
  type Length,
  type Quality,
  type Radius,
  type SimpleFlagName,
  type StartOffset,
  type VideoCodecParam,
  type VideoCodecProfile,
  type VideoEffectParam,
  type VideoOffset,
  type VideoSampling,
  type VolumeChange,
} from './plan.ts';
import { VIDEO_CODECS, type VideoCodecName } from './video-recipe.ts';

// One parameter (`key_value`) → one field of a Component. Each parser validates completely and throws
// the 400 that names the parameter; nothing here guesses or coerces beyond Cloudinary's own spellings.

const UNSIGNED_INT = /^\d+$/;
const SIGNED_INT = /^-?\d+$/;
const UNSIGNED_DECIMAL = /^\d+\.\d+$/;
const SIGNED_DECIMAL = /^-?\d+\.\d+$/;
const UNSIGNED_NUMBER = /^\d+(?:\.\d+)?$/;

/** Largest `dn_` (dots per inch) accepted: a US Letter page at 600 dpi is 5100x6600 pixels. */
export const MAX_DENSITY = 600;

/** Largest `dl_` (milliseconds between frames): a GIF stores the delay in hundredths of a second in 16 bits. [GUESS] Cloudinary documents no maximum. */
export const MAX_DELAY_MS = 655_350;

/** `z_` range: above 0, at most 100 (a hundredfold zoom). [GUESS] Cloudinary documents no bounds. */
export const MAX_ZOOM = 100;

/** Largest relative size (`w_1000.0` = 1000 × the input) and aspect ratio accepted; larger is a 400. */
export const MAX_FRACTION = 1000;
const MAX_RATIO_TERM = 1_000_000;

/** Cloudinary keys Rendition knows but does not implement: refused as unsupported, not unknown. */
export const UNSUPPORTED_KEYS: ReadonlySet<string> = new Set(['d', 'fn', 'if', 'p']);

/** The keys this package parses, in the order the canonical string emits them (sorted, as the SDK does). */
export const SUPPORTED_KEYS = [
  'a',
  'ac',
  'af',
  'ar',
  'b',
  'bo',
  'br',
  'c',
  'co',
  'cs',
  'dl',
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
  'ki',
  'l',
  'o',
  'pg',
  'q',
  'r',
  'so',
  'sp',
  't',
  'u',
  'vc',
  'vs',
  'w',
  'x',
  'y',
  'z',
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

/** Ranges and defaults of the image effects that take one value: parse-effect.ts, which parses the image effects. */
export { EFFECT_RULES } from './parse-effect.ts';

/** Video effects with one integer value: range and default (Cloudinary's video transformation reference). */
export const VIDEO_EFFECT_RULES: Readonly<Record<'accelerate' | 'loop', EffectRule>> = {
  accelerate: { min: -50, max: 100, default: 100 },
  loop: { min: 1, max: 100, default: 1 },
};
/** e_fade: milliseconds (negative: fade out at the end), default 2000. */
export const DEFAULT_FADE_MS = 2000;
/** e_preview's defaults: a 5-second summary of at most 3 segments of at least 1 second. */
export const PREVIEW_DEFAULTS = { duration: 5, maxSegments: 3, minSegmentDuration: 1 } as const;
const MAX_PREVIEW_SEGMENTS = 100;
/** e_volume: percent change and decibel ranges. */
export const VOLUME_PERCENT_RANGE = { min: -100, max: 400 } as const;
export const VOLUME_DECIBEL_RANGE = { min: -50, max: 50 } as const;

const VIDEO_EFFECT_NAMES: ReadonlySet<string> = new Set(['volume', 'reverse', 'accelerate', 'loop', 'boomerang', 'fade', 'preview']);

type ParsedEffect = { kind: 'image'; effect: Effect } | { kind: 'video'; effect: VideoEffectParam };

function parseEffect(value: string): ParsedEffect {
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  const argument = colon === -1 ? undefined : value.slice(colon + 1);
  if (VIDEO_EFFECT_NAMES.has(name)) return { kind: 'video', effect: parseVideoEffect(name, argument, value) };
  return { kind: 'image', effect: parseImageEffect(value) };
}

/** An integer effect value within the rule's range; the default when absent. */
function ruleValue(rule: EffectRule, argument: string | undefined, whole: string): number {
  if (argument === undefined) return rule.default;
  const n = Number(argument);
  if (!SIGNED_INT.test(argument) || !Number.isSafeInteger(n) || n < rule.min || n > rule.max) throw transformErrors.invalidEffect(whole);
  return n === 0 ? 0 : n;
}

function parseVideoEffect(name: string, argument: string | undefined, whole: string): VideoEffectParam {
  switch (name) {
    case 'reverse':
    case 'boomerang':
      if (argument !== undefined) throw transformErrors.invalidEffect(whole);
      return { name };
    case 'accelerate':
    case 'loop':
      return { name, value: ruleValue(VIDEO_EFFECT_RULES[name], argument, whole) };
    case 'volume':
      return { name: 'volume', volume: parseVolume(argument, whole) };
    case 'fade': {
      if (argument === undefined) return { name: 'fade', value: DEFAULT_FADE_MS };
      const ms = Number(argument);
      if (!SIGNED_INT.test(argument) || !Number.isSafeInteger(ms) || ms === 0) throw transformErrors.invalidEffect(whole);
      return { name: 'fade', value: ms };
    }
    default:
      return parsePreview(argument, whole);
  }
}

/** `volume` (no change), `volume:<-100..400>` percent, `volume:<-50..50>db`, `volume:mute`. 0 dB is 0 percent (one meaning, one plan). */
function parseVolume(argument: string | undefined, whole: string): VolumeChange {
  if (argument === undefined) return { kind: 'percent', value: 0 };
  if (argument === 'mute') return { kind: 'mute' };
  const decibels = /^(-?\d+)db$/.exec(argument);
  const text = decibels === null ? argument : decibels[1]!;
  const range = decibels === null ? VOLUME_PERCENT_RANGE : VOLUME_DECIBEL_RANGE;
  const n = Number(text);
  if (!SIGNED_INT.test(text) || !Number.isSafeInteger(n) || n < range.min || n > range.max) throw transformErrors.invalidEffect(whole);
  if (n === 0) return { kind: 'percent', value: 0 };
  return decibels === null ? { kind: 'percent', value: n } : { kind: 'decibels', value: n };
}

/** `preview[:duration_<s>][:max_seg_<n>][:min_seg_dur_<s>]`, in any order, each at most once. */
function parsePreview(argument: string | undefined, whole: string): VideoEffectParam {
  let duration: number = PREVIEW_DEFAULTS.duration;
  let maxSegments: number = PREVIEW_DEFAULTS.maxSegments;
  let minSegmentDuration: number = PREVIEW_DEFAULTS.minSegmentDuration;
  const seen = new Set<string>();
  for (const part of argument === undefined ? [] : argument.split(':')) {
    const match = /^(duration|max_seg|min_seg_dur)_(\d+(?:\.\d+)?)$/.exec(part);
    if (match === null || seen.has(match[1]!)) throw transformErrors.invalidEffect(whole);
    seen.add(match[1]!);
    const n = Number(match[2]);
    if (match[1] === 'max_seg') {
      if (!UNSIGNED_INT.test(match[2]!) || n < 1 || n > MAX_PREVIEW_SEGMENTS) throw transformErrors.invalidEffect(whole);
      maxSegments = n;
    } else {
      if (!Number.isFinite(n) || n <= 0) throw transformErrors.invalidEffect(whole);
      if (match[1] === 'duration') duration = n;
      else minSegmentDuration = n;
    }
  }
  return { name: 'preview', duration, maxSegments, minSegmentDuration };
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

/** z_: a zoom factor, `1.5`, `2` or `0.5` (> 0, at most MAX_ZOOM); 1 is no zoom. */
function parseZoom(value: string): number {
  if (UNSIGNED_NUMBER.test(value)) {
    const zoom = Number(value);
    if (zoom > 0 && zoom <= MAX_ZOOM) return zoom;
  }
  throw transformErrors.invalidValue('z', value);
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

/** so_: an offset, or `auto` (Rendition: the middle of the video). */
const parseStartOffset = (value: string): StartOffset => (value === 'auto' ? { kind: 'auto' } : parseVideoOffset('so', value));

/** Profiles and levels each codec accepts (`vc_h264:high:4.1`); the other codecs take neither. */
const CODEC_PROFILES: Partial<Record<VideoCodecName, { profiles: readonly VideoCodecProfile[]; levels: readonly string[] }>> = {
  // H.264 levels (ITU-T H.264 Annex A), written major.minor as Cloudinary does (`3.1`, `4.0`).
  h264: {
    profiles: VIDEO_CODEC_PROFILES,
    levels: ['1.0', '1.1', '1.2', '1.3', '2.0', '2.1', '2.2', '3.0', '3.1', '3.2', '4.0', '4.1', '4.2', '5.0', '5.1', '5.2', '6.0', '6.1', '6.2'],
  },
  // HEVC has no baseline or high profile (x265 knows main, main10, …): only `main` is accepted.
  h265: { profiles: ['main'], levels: ['1.0', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '5.2', '6.0', '6.1', '6.2'] },
};

function parseVideoCodec(value: string): VideoCodecParam {
  if (value === 'auto' || value === 'none') return { kind: value };
  const [codec = '', profile, level, ...rest] = value.split(':');
  if (rest.length > 0 || !isOneOf(VIDEO_CODECS, codec)) throw transformErrors.invalidValue('vc', value);
  if (profile === undefined) return { kind: 'codec', codec, profile: null, level: null };
  const allowed = CODEC_PROFILES[codec];
  if (allowed === undefined || !isOneOf(allowed.profiles, profile)) throw transformErrors.invalidValue('vc', value);
  if (level === undefined) return { kind: 'codec', codec, profile, level: null };
  if (!allowed.levels.includes(level)) throw transformErrors.invalidValue('vc', value);
  return { kind: 'codec', codec, profile, level };
}

function parseAudioFrequency(value: string): AudioFrequency {
  if (value === 'iaf') return { kind: 'original' };
  const hertz = Number(value);
  if (UNSIGNED_INT.test(value) && (AUDIO_FREQUENCIES as readonly number[]).includes(hertz)) return { kind: 'hertz', value: hertz };
  throw transformErrors.invalidValue('af', value);
}

/** Largest bit rate the parser accepts (1 Tbit/s); the recipe builder applies the deployment's limit. */
export const MAX_PARSED_BIT_RATE = 1e12;
const BIT_RATE_EXPONENT = { '': 0, k: 3, m: 6 } as const;

/** br_: `500000`, `500k`, `2m`, `1.5m` (an integral number of bits per second), with an optional `:constant`. */
function parseBitRate(value: string): BitRate {
  const match = /^(\d+)(?:\.(\d+))?([km]?)(:constant)?$/.exec(value);
  if (match !== null) {
    const [, whole = '', fraction = '', unit = '', constant] = match;
    const exponent = BIT_RATE_EXPONENT[unit as keyof typeof BIT_RATE_EXPONENT];
    // Decimal digits shifted by the unit, exactly (1.1m is 1100000, never 1100000.0000000002).
    if (/^0*$/.test(fraction.slice(exponent))) {
      const bits = Number(whole + fraction.slice(0, exponent).padEnd(exponent, '0'));
      if (Number.isSafeInteger(bits) && bits >= 1 && bits <= MAX_PARSED_BIT_RATE) return { bitsPerSecond: bits, constant: constant !== undefined };
    }
  }
  throw transformErrors.invalidValue('br', value);
}

const FPS_NUMBER = '\\d{1,4}(?:\\.\\d{1,4})?';
const FPS = new RegExp(`^(${FPS_NUMBER})(?:(-)(${FPS_NUMBER})?)?$`);

/** fps_: `24`, `29.97`, `20-30` (a range), `20-` (at least 20); `20-20` is `20`. */
function parseFrameRate(value: string): FrameRate {
  const match = FPS.exec(value);
  if (match !== null) {
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === undefined ? null : Number(match[3]);
    if (min > 0 && (max === null || max >= min)) return { min, max };
  }
  throw transformErrors.invalidValue('fps', value);
}

/** A positive number of seconds (ki_, vs_<n>s, the parts of e_preview). */
function positiveSeconds(key: NamedKey, value: string, text = value): number {
  const n = Number(text);
  if (!UNSIGNED_NUMBER.test(text) || !Number.isFinite(n) || n <= 0) throw transformErrors.invalidValue(key, value);
  return n;
}

/** vs_: `4s` (one frame every 4 seconds, `2.5s` too) or a frame count (`10`). */
function parseVideoSampling(value: string): VideoSampling {
  if (value.endsWith('s')) return { kind: 'seconds', value: positiveSeconds('vs', value, value.slice(0, -1)) };
  if (UNSIGNED_INT.test(value)) return { kind: 'frames', value: safeInt('vs', value, 1, Number.MAX_SAFE_INTEGER) };
  throw transformErrors.invalidValue('vs', value);
}

/** sp_: a streaming profile name (predefined or custom; `auto` is the upload response's playback_url). */
const STREAMING_PROFILE_NAME = /^[a-z0-9_]{1,64}$/;

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
    case 'e': {
      // One e_ per component, the last wins, whichever of the two kinds each is.
      const parsed = parseEffect(value);
      if (parsed.kind === 'image') {
        component.effect = parsed.effect;
        removeVideoOnly(component, 'effect');
      } else {
        delete component.effect;
        (component.videoOnly ??= {}).effect = parsed.effect;
      }
      return;
    }
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
      (component.videoOnly ??= {}).startOffset = parseStartOffset(value);
      return;
    case 'eo':
      (component.videoOnly ??= {}).endOffset = parseVideoOffset('eo', value);
      return;
    case 'du':
      (component.videoOnly ??= {}).duration = parseVideoOffset('du', value);
      return;
    case 'vc':
      (component.videoOnly ??= {}).videoCodec = parseVideoCodec(value);
      return;
    case 'ac':
      if (!isOneOf(AUDIO_CODEC_PARAMS, value)) throw transformErrors.invalidValue('ac', value);
      (component.videoOnly ??= {}).audioCodec = value;
      return;
    case 'af':
      (component.videoOnly ??= {}).audioFrequency = parseAudioFrequency(value);
      return;
    case 'br':
      (component.videoOnly ??= {}).bitRate = parseBitRate(value);
      return;
    case 'fps':
      (component.videoOnly ??= {}).fps = parseFrameRate(value);
      return;
    case 'ki':
      (component.videoOnly ??= {}).keyframeInterval = positiveSeconds('ki', value);
      return;
    case 'vs':
      (component.videoOnly ??= {}).videoSampling = parseVideoSampling(value);
      return;
    case 'sp':
      if (!STREAMING_PROFILE_NAME.test(value)) throw transformErrors.invalidValue('sp', value);
      (component.videoOnly ??= {}).streamingProfile = value;
      return;
    case 'co':
      component.color = parseColor(value);
      return;
    case 'cs':
      if (!isOneOf(COLOR_SPACES, value)) throw transformErrors.invalidValue('cs', value);
      component.colorSpace = value;
      return;
    case 'dl':
      if (!UNSIGNED_INT.test(value)) throw transformErrors.invalidValue('dl', value);
      component.delay = safeInt('dl', value, 0, MAX_DELAY_MS);
      return;
    case 'z':
      component.zoom = parseZoom(value);
      return;
    case 'l':
    case 'u':
      // Layers span components: parse-transformation.ts folds them (parse-layer.ts) before applyParameter sees a key.
      throw transformErrors.unsupportedParameter(`${key}_${value}`);
  }
}

/** Deletes one video-only field, and `videoOnly` itself once empty (a plan never carries an empty one). */
function removeVideoOnly(component: Component, field: keyof NonNullable<Component['videoOnly']>): void {
  if (component.videoOnly === undefined) return;
  delete component.videoOnly[field];
  if (Object.keys(component.videoOnly).length === 0) delete component.videoOnly;
}
