import { createHash } from 'node:crypto';
import { loadCloudinarySdk } from '@rendition/testing';
import { describe, expect, it } from 'vitest';
import { canonicalString, formatDecimal, planHash } from './canonical.ts';
import { SUPPORTED_KEYS } from './parse-parameter.ts';
import { parseEagerList, parseTransformation } from './parse-transformation.ts';

process.env.CLOUDINARY_URL ??= 'cloudinary://123456789012345:secret@demo';

/** The SDK internals these tests compare against (absent from @rendition/testing's narrow type). */
type SdkUtils = {
  generate_transformation_string(options: unknown): string;
  build_eager(eager: unknown): string;
  build_upload_params(options: Record<string, unknown>): Record<string, unknown>;
};
const sdk = loadCloudinarySdk();
const utils = sdk.utils as unknown as SdkUtils;
const generate = (options: unknown): string => utils.generate_transformation_string(structuredClone(options));
const canonical = (text: string): string => canonicalString(parseTransformation(text));

describe('canonical order is the SDK order', () => {
  it('emits keys sorted, exactly as generate_transformation_string sorts its key_value pairs', () => {
    expect([...SUPPORTED_KEYS]).toEqual([...SUPPORTED_KEYS].sort());
    // sorting `key_value` strings equals sorting keys because "_" sorts before every lowercase letter
    const pairs = SUPPORTED_KEYS.map((key) => `${key}_1`);
    expect([...pairs].sort()).toEqual(pairs);
  });

  it('makes parameter order irrelevant to the key', () => {
    const orders = ['w_100,h_50,c_fill', 'c_fill,h_50,w_100', 'h_50,c_fill,w_100'];
    expect(new Set(orders.map(canonical))).toEqual(new Set(['c_fill,h_50,w_100']));
    expect(new Set(orders.map((text) => planHash(parseTransformation(text)))).size).toBe(1);
  });
});

describe('SDK-generated strings parse and round-trip', () => {
  // Each option object as a client would pass it to cloudinary.url / eager / transformation.
  it.each<[string, unknown]>([
    ['fill', { width: 200, height: 100, crop: 'fill' }],
    ['fraction', { width: 0.5, crop: 'scale' }],
    ['relative as string', { width: '2.0', crop: 'scale' }],
    ['dpr as string', { dpr: '2.0', width: 100, crop: 'scale' }],
    ['effect string', { effect: 'sepia:50' }],
    ['effect array', { effect: ['blur', 300] }],
    ['effect object', { effect: { brightness: 30 } }],
    ['radius max', { radius: 'max' }],
    ['radius and angle', { radius: 20, angle: 90 }],
    ['angle list', { angle: ['hflip', 45] }],
    ['pad with # colour', { background: '#ff0000', width: 300, height: 300, crop: 'pad' }],
    ['border object', { border: { width: 3, color: '#00ff00' } }],
    ['border string', { border: '4px_solid_red' }],
    ['flags', { flags: ['progressive', 'strip_profile'] }],
    ['attachment flag', { flags: 'attachment:photo', effect: 'grayscale' }],
    ['opacity', { opacity: 50 }],
    ['page', { page: 2 }],
    ['density', { density: 144 }],
    ['pdf page at a density', { page: 3, density: 300, width: 300, crop: 'scale' }],
    ['named', { transformation: 'thumb_small' }],
    ['named list', { transformation: ['a', 'b'], width: 100 }],
    ['aspect ratio', { aspect_ratio: '16:9', width: 400, crop: 'fill', gravity: 'auto' }],
    ['decimal aspect ratio', { aspect_ratio: 1.5, height: 200, crop: 'lfill' }],
    ['quality and format', { quality: 'auto:good', fetch_format: 'auto' }],
    ['fixed quality', { quality: 80, fetch_format: 'webp' }],
    ['crop region', { x: 10, y: 20, width: 100, height: 100, crop: 'crop', gravity: 'north_west' }],
    ['faces', { width: 150, height: 150, crop: 'thumb', gravity: 'face' }],
    ['chained', [{ width: 100, crop: 'scale' }, { angle: 90 }, { effect: 'negate', opacity: 40 }]],
    ['video', { start_offset: 2.5, duration: '20%', video_codec: { codec: 'h264', profile: 'baseline' } }],
    ['fps range', { fps: [24, 30] }],
    ['video codec with level', { video_codec: { codec: 'h264', profile: 'high', level: '4.0' }, audio_codec: 'opus' }],
    ['audio and keyframes', { audio_frequency: 44100, keyframe_interval: 0.4, bit_rate: '500k' }],
    ['streaming profile', { streaming_profile: 'full_hd_wifi' }],
    ['video sampling', { video_sampling: '4s', fetch_format: 'gif', flags: 'animated' }],
    ['frame count sampling', { video_sampling: 10 }],
    ['trim', { start_offset: 'auto', end_offset: '90p' }],
    ['video effects', [{ effect: 'volume:-50db' }, { effect: 'accelerate:-50' }, { effect: 'fade:-1000' }, { effect: 'preview:duration_8' }]],
    ['animated webp', { fetch_format: 'webp', flags: 'awebp', quality: 'auto' }],
  ])('%s', (_name, options) => {
    const text = generate(options);
    expect(text).not.toBe('');
    expect(canonical(text)).toBe(text);
  });

  it.each<[string, unknown, string]>([
    // where the SDK's spelling is not the canonical one, the canonical form is still stable
    ['numeric dpr', { dpr: 2, width: 100 }, 'dpr_2.0,w_100'],
    ['default effect value', { effect: 'blur:100' }, 'e_blur'],
    ['unsorted flags', { flags: ['strip_profile', 'progressive'] }, 'fl_progressive.strip_profile'],
    ['3-digit colour', { background: '#f00' }, 'b_rgb:ff0000'],
    ['percent offsets', { start_offset: '20%' }, 'so_20p'],
    ['offset range', { offset: [2, 5] }, 'eo_5,so_2'],
    ['bit rate in bits', { bit_rate: 2000000 }, 'br_2m'],
    ['default effect values', [{ effect: 'loop:1' }, { effect: 'fade:2000' }, { effect: 'volume:0' }], 'e_loop/e_fade/e_volume'],
  ])('%s', (_name, options, want) => {
    const text = generate(options);
    expect(canonical(text)).toBe(want);
    expect(canonical(want)).toBe(want);
  });

  it('reads the transformation part of an SDK delivery URL', () => {
    sdk.config({ cloud_name: 'demo', secure: true });
    const url = sdk.url('sample', { width: 100, height: 50, crop: 'fill', effect: 'blur:300', format: 'jpg' });
    const match = /\/image\/upload\/(.+)\/sample\.jpg/.exec(url);
    expect(match?.[1]).toBe('c_fill,e_blur:300,h_50,w_100');
    expect(canonical(match![1]!)).toBe('c_fill,e_blur:300,h_50,w_100');
  });
});

describe('the SDK sends eager and incoming transformations as strings', () => {
  const eager = [
    { width: 400, height: 300, crop: 'pad' },
    { width: 260, height: 200, crop: 'crop', gravity: 'north', format: 'jpg' },
    [{ width: 0.5, crop: 'crop' }, { angle: 90 }],
  ];

  it('serializes the object/array form with build_eager / build_upload_params', () => {
    expect(utils.build_eager(structuredClone(eager))).toBe('c_pad,h_300,w_400|c_crop,g_north,h_200,w_260/jpg|c_crop,w_0.5/a_90');
    const params = utils.build_upload_params({ eager: structuredClone(eager), width: 2000, height: 1000, crop: 'limit' });
    expect(typeof params.eager).toBe('string');
    expect(params.transformation).toBe('c_limit,h_1000,w_2000');

    const items = parseEagerList(params.eager as string);
    expect(items.map((item) => ({ requested: item.requested, plan: canonicalString(item.plan), suffix: item.formatSuffix }))).toEqual([
      { requested: 'c_pad,h_300,w_400', plan: 'c_pad,h_300,w_400', suffix: undefined },
      { requested: 'c_crop,g_north,h_200,w_260/jpg', plan: 'c_crop,g_north,h_200,w_260', suffix: 'jpg' },
      { requested: 'c_crop,w_0.5/a_90', plan: 'c_crop,w_0.5/a_90', suffix: undefined },
    ]);
    expect(canonical(params.transformation as string)).toBe('c_limit,h_1000,w_2000');
  });

  it('passes an eager string through unchanged', () => {
    expect(utils.build_eager('w_400,h_300,c_pad|w_260,h_200,c_crop,g_north')).toBe('w_400,h_300,c_pad|w_260,h_200,c_crop,g_north');
  });
});

describe('formatDecimal', () => {
  it.each<[number, string]>([
    [2, '2.0'],
    [0.5, '0.5'],
    [1.25, '1.25'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [1e-22, '0.0000000000000000000001'],
    [1000, '1000.0'],
    [1e21, '1000000000000000000000.0'],
    [-2.5e-8, '-0.000000025'],
  ])('%s → %s', (value, want) => {
    expect(formatDecimal(value)).toBe(want);
    expect(Number(formatDecimal(value))).toBe(value);
  });
});

describe('canonical text parses back to the same plan (cases found by the property tests)', () => {
  it.each<[string, string]>([
    ['y_-0,a_90', 'a_90,y_0'],
    ['x_-0', 'x_0'],
    ['e_brightness:-0', 'e_brightness:0'],
    ['so_0.0000001', 'so_0.0000001'],
    ['du_0.00000015p', 'du_0.00000015p'],
    ['eo_1000000000000000000000', 'eo_1000000000000000000000'],
    ['w_0.0000000000000000000001', 'w_0.0000000000000000000001'],
  ])('%s → %s', (text, want) => {
    const plan = parseTransformation(text);
    expect(canonicalString(plan)).toBe(want);
    expect(parseTransformation(want)).toStrictEqual(plan);
  });

  it.each(['bo_1px_solid_constructor', 'b___proto__', 'b_tostring', 'b_hasownproperty', 'b_valueof'])(
    '%s is an invalid colour, not a crash',
    (text) => {
      expect(() => parseTransformation(text)).toThrow(/^Invalid color - /);
    },
  );
});

describe('planHash', () => {
  it('is the first 16 hex characters of SHA-1 over the canonical string', () => {
    const plan = parseTransformation('w_100,h_50,c_fill/e_sepia');
    expect(planHash(plan)).toBe(createHash('sha1').update('c_fill,h_50,w_100/e_sepia').digest('hex').slice(0, 16));
    expect(planHash(plan)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs when the meaning differs, including pixels versus fractions and component order', () => {
    const hashes = ['w_2', 'w_2.0', 'w_100/a_90', 'a_90/w_100', '', 'e_blur:300'].map((text) => planHash(parseTransformation(text)));
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('canonical length', () => {
  it('refuses a plan whose canonical form outgrows the length limit, so every stored canonical string parses again', () => {
    // `dpr_1` → `dpr_1.0` and `rgb:fff` → `rgb:ffffff`: the canonical text is longer than the request's.
    const unit = 'bo_2px_solid_rgb:abc,b_rgb:fff,w_100,a_90/';
    const text = unit.repeat(97).slice(0, -1);
    expect(text.length).toBeLessThanOrEqual(4096);
    const plan = parseTransformation(text);
    expect(() => canonicalString(plan)).toThrow('Invalid transformation - longer than 4096 characters');
    const shorter = parseTransformation(unit.repeat(50).slice(0, -1));
    expect(parseTransformation(canonicalString(shorter))).toEqual(shorter);
  });
});
