import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { check, namedProperty, registerProperties, returnsOrRefuses, type NamedProperty } from '@rendition/testing';
import { canonicalString, MAX_COMPONENTS, MAX_TRANSFORMATION_LENGTH, parseEagerList, parseTransformation, planHash } from '../src/index.ts';
import { SUPPORTED_KEYS, UNSUPPORTED_KEYS } from '../src/parse-parameter.ts';
import type { TransformationPlan } from '../src/plan.ts';

// Property tests of the transformation parser: any text gives a plan or an ApiError with a 4xx status
// (never a TypeError, RangeError or other uncaught exception), quickly, and the canonical string is a
// faithful spelling of the plan: parse(canonical(parse(x))) is parse(x) for every x that parses.
// PROPERTY_RUNS sets the runs per property (npm test: a few hundred); bench/property-fuzz.ts runs the
// same properties 100,000 times each (PROPERTY_SEED replays a run).

// ---------------------------------------------------------------------------------------------
// Arbitraries: transformation text that is mostly well-formed (so the value parsers are reached),
// with hostile values, and text that is anything at all.

/** Values worth trying for every key: numbers at the edges, keywords, prototype names, encodings. */
const COMMON_VALUES = [
  '0',
  '-0',
  '00',
  '1',
  '-1',
  '100',
  '0.5',
  '-0.5',
  '0.0',
  '-0.0',
  '1.0',
  '2.0',
  '1000.0',
  '1000.0000000000001',
  '0.0000001',
  '1e3',
  '0x10',
  '9007199254740991',
  '9007199254740992',
  '99999999999999999999',
  'Infinity',
  'NaN',
  'auto',
  'auto:',
  'max',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '%20',
  '%2C',
  '%2F',
  '%zz',
  '%',
  '😀',
  '\u0000',
];

/** Values in each key's own grammar (and just outside it). */
const KEY_VALUES: Record<string, string[]> = {
  ar: ['16:9', '1:1', '0:1', '1000000:1', '1000001:1', '1.5', '0.001', '0.0009', '1:', ':1', '16:9:1'],
  c: ['fill', 'scale', 'fit', 'limit', 'mfit', 'lfill', 'pad', 'lpad', 'mpad', 'fill_pad', 'crop', 'thumb', 'FILL', 'imagga_scale'],
  g: ['north', 'south_east', 'center', 'face', 'faces', 'face:center', 'faces:auto', 'auto', 'auto:subject', 'auto:', 'auto:FACE', 'xy_center'],
  q: ['auto', 'auto:best', 'auto:good', 'auto:eco', 'auto:low', 'auto:high', '1', '100', '101'],
  f: ['jpg', 'jpeg', 'jpe', 'png', 'webp', 'avif', 'gif', 'auto', 'svg', 'pdf', 'JPG', 'exe'],
  e: [
    'grayscale',
    'negate',
    'blur',
    'blur:100',
    'blur:0',
    'blur:2000',
    'blur:2001',
    'sepia:1',
    'brightness:-0',
    'brightness:-99',
    'brightness:-100',
    'contrast:-0',
    'contrast:0',
    'saturation:100',
    'pixelate:5',
    'blackwhite:0',
    'grayscale:1',
    'blur:',
    'blur:1.5',
    'sharpen:constructor',
    'constructor',
    '__proto__',
    'toString:1',
    // issue 19 image effects
    'trim',
    'trim:0',
    'trim:101',
    'trim::yellow',
    'trim:10:rgb:FF0000',
    'trim:10:ff0000',
    'trim:',
    'shadow:-0',
    'colorize:100',
    'vignette:101',
    'unsharp_mask:2000',
    'gamma:-50',
    'gamma:151',
    'oil_paint',
    'auto_brightness:0',
    'auto_contrast',
    'auto_color:50',
    'outline',
    'outline:outer:15:200',
    'outline:15',
    'outline:fill:5',
    'outline:inner:0',
    'tint',
    'tint:equalize',
    'tint:60:red',
    'tint:100:112233',
    'tint:equalize:80:red:20p:blue:80p',
    'tint:80:red:80p:blue:20p',
    'replace_color:green',
    'replace_color:green:50',
    'replace_color:green:17:red',
    'replace_color:maroon:80:2b38aa',
    'replace_color:green:112233',
    'replace_color:',
    'gradient_fade',
    'gradient_fade:symmetric:50',
    'gradient_fade:symmetric_pad',
    'gradient_fade:20',
    'improve',
    'improve:17',
    'improve:outdoor',
    'improve:indoor:100',
    'cartoonify',
    'cartoonify:50',
    'cartoonify:17:bw',
    'cartoonify:17:19',
    'cartoonify::1',
    // video effects
    'volume',
    'volume:0',
    'volume:-100',
    'volume:400',
    'volume:401',
    'volume:5db',
    'volume:-0db',
    'volume:51db',
    'volume:mute',
    'volume:mute:1',
    'reverse',
    'reverse:1',
    'accelerate',
    'accelerate:-50',
    'accelerate:-0',
    'accelerate:101',
    'loop',
    'loop:1',
    'loop:100',
    'loop:0',
    'boomerang',
    'fade',
    'fade:2000',
    'fade:-2000',
    'fade:0',
    'preview',
    'preview:duration_5',
    'preview:duration_12.50:max_seg_4',
    'preview:min_seg_dur_0.5:duration_2',
    'preview:max_seg_0',
    'preview:duration_1:duration_2',
    'preview:',
  ],
  a: ['90', '-90', '360', '-360', '361', '0', '-0', 'exif', 'auto_right', 'auto_left', 'hflip', 'vflip', 'hflip.90', '90.hflip.-0', '.', '90.'],
  b: [
    'red',
    'RED',
    'transparent',
    'rgb:fff',
    'rgb:FFF',
    'rgb:ff0000',
    'rgb:ff000080',
    'rgb:ff00',
    'auto',
    'auto:predominant',
    'constructor',
    '__proto__',
    'tostring',
  ],
  bo: ['1px_solid_red', '4px_solid_rgb:fff', '0px_solid_red', '1px_dashed_red', '1px_solid_', '1px_solid_constructor', '1px_solid___proto__'],
  o: ['0', '100', '101', '-1', '50'],
  r: ['0', '20', '-0', 'max', 'MAX', '-1', '9007199254740991'],
  dpr: ['auto', '1', '1.0', '2.0', '0.1', '0.09', '5', '5.0', '5.1'],
  fl: [
    'lossy',
    'progressive',
    'keep_iptc',
    'preserve_transparency',
    'strip_profile',
    'attachment',
    'attachment:name',
    'attachment:',
    'attachment:a.b',
    'lossy.progressive',
    'progressive.lossy.lossy',
    'attachment.attachment:x',
    'animated',
    'awebp',
    'animated.awebp.lossy',
    'splice',
  ],
  pg: ['1', '0', '2', '-1', '1-3', '5-', '3;5;7', 'all', '1-'],
  dn: ['72', '1', '0', '600', '601', '150.0', '072', '-1'],
  t: ['thumb', 'a.b', 'a..b', 'x'.repeat(200), 'x'.repeat(201), 'café', 'constructor', '__proto__'],
  eo: ['5', '50p', '1.50'],
  du: ['10', '10.0', '100%'],
  so: ['0', '2.5', '20p', '20%', '100p', '101p', '1.', '-1', '1e2', 'auto', 'auto:1'],
  vc: ['h264', 'h264:baseline:3.1', 'h264:high:4.0', 'h265:main:5.1', 'h265:high', 'vp9:main', 'auto', 'none', 'h264:a:b:c', 'H264', 'prores'],
  ac: ['aac', 'mp3', 'opus', 'vorbis', 'none', 'mp3_x', 'AAC', 'flac'],
  af: ['44100', '8000', '192000', 'iaf', '44101', '044100', '0'],
  br: ['250k', '2m', '500000', '1g', '1234567890123', '1.5m', '1.0000001m', '0.5k', '500k:constant', '2m:constant:constant', '0k'],
  fps: ['24', '29.97', '24-30', '15-', '-15', '1.12345', '20-20', '30-20', '0', '0-'],
  ki: ['0.4', '10', '0', '-1', '1.50', 'auto'],
  vs: ['4s', '2.5s', '10', '0', '0s', 's', '1.5', '10ss'],
  sp: ['auto', 'hd', 'full_hd_wifi', 'HD', 'a-b', 'x'.repeat(64), 'x'.repeat(65)],
  w: ['100', '0', '0.5', '1.0', '1000.0', '1000.1', '-100', '100.', '.5', '1,5'],
  h: ['100', '0', '0.5', '1.0', '1000.0', '1000.1', '-100', '100.', '.5'],
  x: ['10', '-10', '0', '-0', '0.5', '-0.5', '-0.0', '1000.0', '-1000.0', '1000.1'],
  y: ['10', '-10', '0', '-0', '0.5', '-0.5', '-0.0', '1000.0', '-1000.0', '1000.1'],
  z: ['1', '1.0', '2', '0.5', '0', '0.0', '100', '100.1', '-1', '1.'],
  cs: ['srgb', 'tinysrgb', 'no_cmyk', 'keep_cmyk', 'cmyk', 'copy', 'SRGB', 'srgb:truecolor'],
  dl: ['0', '20', '100', '655350', '655351', '-1', '1.5'],
  co: ['red', 'rgb:ff000080', 'constructor'],
};

const ALL_KEYS = [...SUPPORTED_KEYS, ...UNSUPPORTED_KEYS, '$var', 'W', 'xyz', ''];

const hostileChars = fc.string({ unit: 'binary', maxLength: 10 });

const parameter = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .constantFrom(...SUPPORTED_KEYS)
      .chain((key) => fc.oneof(fc.constantFrom(...(KEY_VALUES[key] ?? ['1'])), fc.constantFrom(...COMMON_VALUES)).map((value) => `${key}_${value}`)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...ALL_KEYS), fc.oneof(fc.constantFrom(...COMMON_VALUES), hostileChars))
      .map(([key, value]) => `${key}_${value}`),
  },
  { weight: 1, arbitrary: fc.oneof(hostileChars, fc.constantFrom('_', '__', 'w', 'w_', '_100', ',', '/', '|')) },
);

const component = fc.array(parameter, { minLength: 1, maxLength: 5 }).map((params) => params.join(','));

/** Parameters that parse, some of whose canonical spelling is longer (`dpr_1` → `dpr_1.0`, `rgb:fff` → `rgb:ffffff`). */
const validParameter = fc.constantFrom(
  'w_100',
  'h_50',
  'w_0.5',
  'c_fill',
  'c_pad',
  'g_north',
  'g_auto:subject',
  'q_auto',
  'q_80',
  'f_png',
  'e_blur',
  'e_sepia:50',
  'e_brightness:-0',
  'a_90',
  'a_hflip.-0',
  'b_rgb:fff',
  'b_RED',
  'bo_2px_solid_rgb:abc',
  'o_50',
  'dpr_1',
  'dpr_auto',
  'ar_1',
  'ar_16:9',
  'fl_progressive.lossy',
  'r_max',
  'x_10',
  'y_-0',
  'so_1.50',
  'du_20%',
  'so_auto',
  'eo_50p',
  'vc_h264:high:4.0',
  'vc_auto',
  'ac_opus',
  'af_iaf',
  'af_22050',
  'br_500000',
  'br_1.5m:constant',
  'fps_20-20',
  'fps_29.97-',
  'ki_0.40',
  'vs_4s',
  'vs_10',
  'sp_full_hd',
  'e_volume:0db',
  'e_volume:-5db',
  'e_accelerate:100',
  'e_loop:3',
  'e_fade:-1000',
  'e_preview:max_seg_3:duration_10.0',
  'e_reverse',
  'fl_awebp.animated',
  't_named',
);

/** Chains of valid parameters only: the round trip's main diet. */
const validChain = fc
  .array(
    fc.array(validParameter, { minLength: 1, maxLength: 6 }).map((params) => params.join(',')),
    { minLength: 1, maxLength: 6 },
  )
  .map((components) => components.join('/'));

/** A chain of components: mostly grammatical, some with empty components or stray separators. */
export const transformationText = fc.oneof(
  { weight: 10, arbitrary: fc.array(component, { minLength: 1, maxLength: 4 }).map((components) => components.join('/')) },
  { weight: 4, arbitrary: validChain },
  { weight: 1, arbitrary: fc.array(component, { minLength: 1, maxLength: 4 }).map((components) => encodeURIComponent(components.join('/'))) },
  {
    weight: 1,
    arbitrary: fc.tuple(component, fc.integer({ min: 1, max: 120 })).map(([text, count]) => Array.from({ length: count }, () => text).join('/')),
  },
  { weight: 1, arbitrary: fc.tuple(component, fc.integer({ min: 1, max: 3000 })).map(([text, count]) => `${text},`.repeat(count)) },
  // Chains that fill the length limit: what a canonical spelling longer than its source runs into.
  {
    weight: 1,
    arbitrary: fc
      .array(validParameter, { minLength: 2, maxLength: 8 })
      .map((params) => params.join(','))
      .map((text) =>
        Array.from({ length: Math.min(MAX_COMPONENTS, Math.floor((MAX_TRANSFORMATION_LENGTH + 1) / (text.length + 1))) }, () => text).join('/'),
      ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
);

const suffix = fc.oneof(fc.constant(''), fc.constantFrom('/jpg', '/png', '/webp', '/JPG', '/', '/exe', '/a_b', '/', '/toolongextension'));

/** Eager lists: `|`-separated items, each a chain with an optional `/ext`. */
export const eagerText = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(transformationText, fc.constant('')), suffix), { minLength: 1, maxLength: 4 })
      .map((items) => items.map(([text, ext]) => `${text}${ext}`).join('|')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
);

/** Deep equality that tells 0 from -0 (what a plan carries is what executors get). */
function samePlan(a: TransformationPlan, b: TransformationPlan): boolean {
  return isDeepStrictEqual(a, b);
}

function roundTrip(plan: TransformationPlan, source: string): void {
  // A plan whose canonical form would exceed the length limit is refused when canonicalised (a 400 at
  // intake), so what is stored can always be parsed again.
  const made = returnsOrRefuses('canonicalString', () => canonicalString(plan));
  if (!('value' in made)) {
    check(/longer than/.test(made.refused.message), () => `canonicalString refused ${shorten(source)}: ${made.refused.message}`);
    return;
  }
  const canonical = made.value;
  const again = returnsOrRefuses('parseTransformation(canonical)', () => parseTransformation(canonical));
  if (!('value' in again))
    throw new Error(`${shorten(source)} parsed, but its canonical string ${shorten(canonical)} was refused: ${again.refused.message}`);
  check(
    samePlan(again.value, plan),
    () =>
      `${shorten(source)} → ${shorten(canonical)}, whose plan differs:\n${JSON.stringify(plan, signedZero)}\n${JSON.stringify(again.value, signedZero)}`,
  );
  check(
    canonicalString(again.value) === canonical,
    () => `canonical string not stable: ${shorten(canonical)} → ${shorten(canonicalString(again.value))}`,
  );
}

/** Quoted, and cut to its start and length when long (chains near the length limit run to 4096 characters). */
function shorten(text: string): string {
  return text.length > 160 ? `${JSON.stringify(text.slice(0, 120))}… (${text.length} characters)` : JSON.stringify(text);
}

/** JSON.stringify would print -0 as 0, hiding the difference this reports. */
function signedZero(_key: string, value: unknown): unknown {
  return Object.is(value, -0) ? '-0' : value;
}

export const transformProperties: NamedProperty[] = [
  namedProperty('parseTransformation: any text → a plan or ApiError', () =>
    fc.property(fc.oneof(transformationText, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
      const outcome = returnsOrRefuses('parseTransformation', () => parseTransformation(text));
      if ('value' in outcome) returnsOrRefuses('planHash', () => planHash(outcome.value));
    }),
  ),
  namedProperty('parseEagerList: any text → items or ApiError', () =>
    fc.property(eagerText, (text) => {
      returnsOrRefuses('parseEagerList', () => parseEagerList(text));
    }),
  ),
  namedProperty('canonical round trip: parse(canonical(parse(x))) equals parse(x) for every x that parses', () =>
    fc.property(transformationText, (text) => {
      const outcome = returnsOrRefuses('parseTransformation', () => parseTransformation(text));
      if ('value' in outcome) roundTrip(outcome.value, text);
    }),
  ),
  namedProperty('eager round trip: each parsed item plan survives its canonical string', () =>
    fc.property(eagerText, (text) => {
      const outcome = returnsOrRefuses('parseEagerList', () => parseEagerList(text));
      if ('value' in outcome) for (const item of outcome.value) roundTrip(item.plan, item.requested);
    }),
  ),
];

registerProperties('transformation parser under arbitrary input (fast-check)', transformProperties, 500);
