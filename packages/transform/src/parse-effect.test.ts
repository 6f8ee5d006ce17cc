import { ApiError } from '@rendition/protocol';
import { describe, expect, it } from 'vitest';
import { canonicalString } from './canonical.ts';
import { splitDefaultImage } from './default-image.ts';
import { outputSettings } from './output-settings.ts';
import { EFFECT_PART_RULES, EFFECT_RULES, IMAGE_EFFECT_NAMES, canonicalEffect, parseImageEffect } from './parse-effect.ts';
import { parseTransformation } from './parse-transformation.ts';
import type { Color, Effect } from './plan.ts';
import { projectPlan } from './project-size.ts';

// The issue-19 effects and parameters at parser level: each valid spelling, the plan it means, its
// canonical text (defaults omitted), and each out-of-range spelling's exact 400.

const color = (text: string, r: number, g: number, b: number, alpha = 1): Color => ({ text, r, g, b, alpha });
const RED = color('red', 255, 0, 0);
const BLUE = color('blue', 0, 0, 255);
const GREEN = color('green', 0, 128, 0);
const YELLOW = color('yellow', 255, 255, 0);

/** [e_ value, the effect it parses to, its canonical e_ value]. */
const VALID: readonly [string, Effect, string][] = [
  ['trim', { name: 'trim', tolerance: 10, color: null }, 'trim'],
  ['trim:10', { name: 'trim', tolerance: 10, color: null }, 'trim'],
  ['trim:0', { name: 'trim', tolerance: 0, color: null }, 'trim:0'],
  ['trim:100', { name: 'trim', tolerance: 100, color: null }, 'trim:100'],
  ['trim:17:blue', { name: 'trim', tolerance: 17, color: BLUE }, 'trim:17:blue'],
  ['trim::yellow', { name: 'trim', tolerance: 10, color: YELLOW }, 'trim:10:yellow'],
  ['trim:10:rgb:ff0000', { name: 'trim', tolerance: 10, color: color('rgb:ff0000', 255, 0, 0) }, 'trim:10:ff0000'],
  ['trim:10:F00', { name: 'trim', tolerance: 10, color: color('rgb:ff0000', 255, 0, 0) }, 'trim:10:ff0000'],
  ['shadow', { name: 'shadow', value: 40 }, 'shadow'],
  ['shadow:40', { name: 'shadow', value: 40 }, 'shadow'],
  ['shadow:0', { name: 'shadow', value: 0 }, 'shadow:0'],
  ['shadow:100', { name: 'shadow', value: 100 }, 'shadow:100'],
  ['outline', { name: 'outline', mode: null, width: 5, blur: 0 }, 'outline'],
  ['outline:outer', { name: 'outline', mode: 'outer', width: 5, blur: 0 }, 'outline:outer'],
  ['outline:15', { name: 'outline', mode: null, width: 15, blur: 0 }, 'outline:15'],
  ['outline:outer:15:200', { name: 'outline', mode: 'outer', width: 15, blur: 200 }, 'outline:outer:15:200'],
  ['outline:inner_fill:5:0', { name: 'outline', mode: 'inner_fill', width: 5, blur: 0 }, 'outline:inner_fill'],
  ['outline:fill:5:10', { name: 'outline', mode: 'fill', width: 5, blur: 10 }, 'outline:fill:5:10'],
  ['colorize', { name: 'colorize', value: 100 }, 'colorize'],
  ['colorize:40', { name: 'colorize', value: 40 }, 'colorize:40'],
  ['tint', { name: 'tint', equalize: false, amount: 60, colors: [{ color: RED, position: null }] }, 'tint'],
  ['tint:60:red', { name: 'tint', equalize: false, amount: 60, colors: [{ color: RED, position: null }] }, 'tint'],
  ['tint:equalize', { name: 'tint', equalize: true, amount: 60, colors: [{ color: RED, position: null }] }, 'tint:equalize'],
  ['tint:100', { name: 'tint', equalize: false, amount: 100, colors: [{ color: RED, position: null }] }, 'tint:100'],
  [
    'tint:100:green:red',
    {
      name: 'tint',
      equalize: false,
      amount: 100,
      colors: [
        { color: GREEN, position: null },
        { color: RED, position: null },
      ],
    },
    'tint:100:green:red',
  ],
  ['tint:blue', { name: 'tint', equalize: false, amount: 60, colors: [{ color: BLUE, position: null }] }, 'tint:60:blue'],
  [
    'tint:equalize:80:red:20p:blue:80p',
    {
      name: 'tint',
      equalize: true,
      amount: 80,
      colors: [
        { color: RED, position: 20 },
        { color: BLUE, position: 80 },
      ],
    },
    'tint:equalize:80:red:20p:blue:80p',
  ],
  [
    'tint:50:112233',
    { name: 'tint', equalize: false, amount: 50, colors: [{ color: color('rgb:112233', 17, 34, 51), position: null }] },
    'tint:50:112233',
  ],
  ['replace_color:green', { name: 'replace_color', to: GREEN, tolerance: 50, from: null }, 'replace_color:green'],
  ['replace_color:green:17', { name: 'replace_color', to: GREEN, tolerance: 17, from: null }, 'replace_color:green:17'],
  ['replace_color:green:17:red', { name: 'replace_color', to: GREEN, tolerance: 17, from: RED }, 'replace_color:green:17:red'],
  ['replace_color:green:red', { name: 'replace_color', to: GREEN, tolerance: 50, from: RED }, 'replace_color:green:50:red'],
  [
    'replace_color:maroon:80:2b38aa',
    { name: 'replace_color', to: color('maroon', 128, 0, 0), tolerance: 80, from: color('rgb:2b38aa', 43, 56, 170) },
    'replace_color:maroon:80:2b38aa',
  ],
  ['gradient_fade', { name: 'gradient_fade', mode: null, strength: 20 }, 'gradient_fade'],
  ['gradient_fade:50', { name: 'gradient_fade', mode: null, strength: 50 }, 'gradient_fade:50'],
  ['gradient_fade:symmetric', { name: 'gradient_fade', mode: 'symmetric', strength: 20 }, 'gradient_fade:symmetric'],
  ['gradient_fade:symmetric_pad:50', { name: 'gradient_fade', mode: 'symmetric_pad', strength: 50 }, 'gradient_fade:symmetric_pad:50'],
  ['vignette', { name: 'vignette', value: 20 }, 'vignette'],
  ['vignette:80', { name: 'vignette', value: 80 }, 'vignette:80'],
  ['unsharp_mask', { name: 'unsharp_mask', value: 100 }, 'unsharp_mask'],
  ['unsharp_mask:2000', { name: 'unsharp_mask', value: 2000 }, 'unsharp_mask:2000'],
  ['gamma', { name: 'gamma', value: 0 }, 'gamma'],
  ['gamma:-50', { name: 'gamma', value: -50 }, 'gamma:-50'],
  ['gamma:-0', { name: 'gamma', value: 0 }, 'gamma'],
  ['gamma:150', { name: 'gamma', value: 150 }, 'gamma:150'],
  ['auto_brightness', { name: 'auto_brightness', value: 100 }, 'auto_brightness'],
  ['auto_contrast:50', { name: 'auto_contrast', value: 50 }, 'auto_contrast:50'],
  ['auto_color:0', { name: 'auto_color', value: 0 }, 'auto_color:0'],
  ['improve', { name: 'improve', mode: 'outdoor', blend: 100 }, 'improve'],
  ['improve:outdoor', { name: 'improve', mode: 'outdoor', blend: 100 }, 'improve'],
  ['improve:indoor', { name: 'improve', mode: 'indoor', blend: 100 }, 'improve:indoor'],
  ['improve:17', { name: 'improve', mode: 'outdoor', blend: 17 }, 'improve:17'],
  ['improve:indoor:17', { name: 'improve', mode: 'indoor', blend: 17 }, 'improve:indoor:17'],
  ['oil_paint', { name: 'oil_paint', value: 30 }, 'oil_paint'],
  ['oil_paint:0', { name: 'oil_paint', value: 0 }, 'oil_paint:0'],
  ['cartoonify', { name: 'cartoonify', lineStrength: 50, colorReduction: null }, 'cartoonify'],
  ['cartoonify:50', { name: 'cartoonify', lineStrength: 50, colorReduction: null }, 'cartoonify'],
  ['cartoonify:17', { name: 'cartoonify', lineStrength: 17, colorReduction: null }, 'cartoonify:17'],
  ['cartoonify:17:19', { name: 'cartoonify', lineStrength: 17, colorReduction: 19 }, 'cartoonify:17:19'],
  ['cartoonify:50:bw', { name: 'cartoonify', lineStrength: 50, colorReduction: 'bw' }, 'cartoonify:50:bw'],
];

/** e_ values that are a 400 `Invalid effect - <value>`: out of range, malformed, too many parts. */
const INVALID: readonly string[] = [
  'trim:101',
  'trim:-1',
  'trim:',
  'trim:1.5',
  'trim:10:notacolor',
  'trim:10:red:1',
  'shadow:101',
  'shadow:-1',
  'shadow:',
  'shadow:1:2',
  'outline:0',
  'outline:101',
  'outline:outer:5:2001',
  'outline:middle',
  'outline:outer:5:0:1',
  'outline::5',
  'colorize:101',
  'colorize:-1',
  'tint:101',
  'tint:60:red:101p',
  'tint:60:red:80p:blue:20p',
  'tint:60:notacolor',
  'tint:1:red:red:red:red:red:red:red:red:red:red:red',
  'replace_color',
  'replace_color:',
  'replace_color:notacolor',
  'replace_color:green:101',
  'replace_color:green:17:red:1',
  'gradient_fade:101',
  'gradient_fade:symmetric:101',
  'gradient_fade:asymmetric',
  'gradient_fade:symmetric:20:1',
  'vignette:101',
  'vignette:-1',
  'unsharp_mask:0',
  'unsharp_mask:2001',
  'gamma:-51',
  'gamma:151',
  'auto_brightness:101',
  'auto_contrast:-1',
  'auto_color:1:2',
  'improve:101',
  'improve:sideways',
  'improve:indoor:17:1',
  'oil_paint:101',
  'cartoonify:101',
  'cartoonify:50:101',
  'cartoonify:50:color',
  'cartoonify:1:2:3',
  'cartoon',
  'constructor',
];

describe('image effects of issue 19', () => {
  it.each(VALID)('e_%s parses, and canonicalizes to e_%s', (text, effect, canonical) => {
    expect(parseTransformation(`e_${text}`)).toEqual({ components: [{ effect }] });
    expect(canonicalEffect(effect)).toBe(canonical);
    expect(canonicalString(parseTransformation(`e_${text}`))).toBe(`e_${canonical}`);
    // The canonical text means the same effect.
    expect(parseImageEffect(canonical)).toEqual(effect);
  });

  it.each(INVALID)('e_%s is a 400 naming it', (text) => {
    let caught: unknown;
    try {
      parseTransformation(`e_${text}`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect(caught).toMatchObject({ status: 400, message: `Invalid effect - ${text}` });
  });

  it('lists every effect it parses, each with a row above', () => {
    for (const name of IMAGE_EFFECT_NAMES) {
      if (
        name === 'grayscale' ||
        name === 'negate' ||
        ['blackwhite', 'sepia', 'blur', 'sharpen', 'brightness', 'contrast', 'saturation', 'pixelate'].includes(name)
      )
        continue;
      expect(
        VALID.some(([text]) => text.split(':')[0] === name),
        name,
      ).toBe(true);
    }
    // Defaults inside their own ranges.
    for (const rule of [...Object.values(EFFECT_RULES), ...Object.values(EFFECT_PART_RULES)]) {
      expect(rule.default).toBeGreaterThanOrEqual(rule.min);
      expect(rule.default).toBeLessThanOrEqual(rule.max);
    }
  });

  it('keeps co_, x_ and y_ beside the effect they qualify', () => {
    const plan = parseTransformation('co_green,e_shadow:17,x_30,y_-40');
    expect(plan.components[0]).toMatchObject({
      effect: { name: 'shadow', value: 17 },
      color: GREEN,
      x: { kind: 'pixels', value: 30 },
      y: { kind: 'pixels', value: -40 },
    });
    expect(canonicalString(plan)).toBe('co_green,e_shadow:17,x_30,y_-40');
    expect(canonicalString(parseTransformation('y_0.15,x_0.3,e_gradient_fade:symmetric:50'))).toBe('e_gradient_fade:symmetric:50,x_0.3,y_0.15');
  });
});

describe('cs_, dl_, z_ and c_auto', () => {
  const VALID_PARAMETERS: readonly [string, string][] = [
    ['cs_srgb', 'cs_srgb'],
    ['cs_tinysrgb', 'cs_tinysrgb'],
    ['cs_no_cmyk', 'cs_no_cmyk'],
    ['cs_keep_cmyk', 'cs_keep_cmyk'],
    ['cs_cmyk', 'cs_cmyk'],
    ['cs_copy', 'cs_copy'],
    ['dl_0', 'dl_0'],
    ['dl_200', 'dl_200'],
    ['dl_0200', 'dl_200'],
    ['dl_655350', 'dl_655350'],
    ['z_2', 'z_2.0'],
    ['z_1.5', 'z_1.5'],
    ['z_0.5', 'z_0.5'],
    ['z_100', 'z_100.0'],
    ['c_auto,w_100,h_100', 'c_auto,h_100,w_100'],
    ['c_thumb,g_auto,h_80,w_80,z_0.7', 'c_thumb,g_auto,h_80,w_80,z_0.7'],
  ];
  it.each(VALID_PARAMETERS)('%s parses and canonicalizes to %s', (text, canonical) => {
    expect(canonicalString(parseTransformation(text))).toBe(canonical);
    expect(parseTransformation(canonical)).toEqual(parseTransformation(text));
  });

  const REFUSED: readonly [string, string][] = [
    ['cs_rgb', 'Invalid color space in transformation: rgb'],
    ['cs_SRGB', 'Invalid color space in transformation: SRGB'],
    ['cs_srgb:truecolor', 'Invalid color space in transformation: srgb:truecolor'],
    ['dl_-1', 'Invalid delay in transformation: -1'],
    ['dl_1.5', 'Invalid delay in transformation: 1.5'],
    ['dl_655351', 'Invalid delay in transformation: 655351'],
    ['z_0', 'Invalid zoom in transformation: 0'],
    ['z_0.0', 'Invalid zoom in transformation: 0.0'],
    ['z_-1', 'Invalid zoom in transformation: -1'],
    ['z_100.5', 'Invalid zoom in transformation: 100.5'],
    ['z_abc', 'Invalid zoom in transformation: abc'],
    ['c_auto_pad', 'Invalid crop mode - auto_pad'],
  ];
  it.each(REFUSED)('%s is a 400: %s', (text, message) => {
    expect(() => parseTransformation(text)).toThrow(expect.objectContaining({ status: 400, message }));
  });

  it('puts the last cs_ and dl_ of the chain in the output settings', () => {
    expect(outputSettings(parseTransformation('cs_cmyk,dl_100/w_10/cs_copy'))).toMatchObject({ colorSpace: 'copy', delay: 100 });
    expect(outputSettings(parseTransformation('w_10'))).toMatchObject({ colorSpace: null, delay: null });
  });

  const LIMITS = { maxDimension: 10_000, maxPixels: 100_000_000 };
  const project = (text: string) => projectPlan(parseTransformation(text), { width: 1000, height: 500 }, LIMITS).components[0]!.steps;

  it('c_auto covers like c_fill, with auto gravity unless one is given', () => {
    expect(project('c_auto,w_400,h_300')).toEqual([
      { op: 'cover', width: 400, height: 300, scaledWidth: 600, scaledHeight: 300, gravity: { kind: 'auto', requested: 'auto', faceFallback: false } },
    ]);
    expect(project('c_auto,g_north,w_400,h_300')[0]).toMatchObject({ gravity: { kind: 'compass', direction: 'north' } });
  });

  it('z_ crops tighter with c_crop and c_thumb, exactly', () => {
    // c_crop,w_400,h_300,z_2: a 200x150 region around the centre, scaled back to 400x300.
    expect(project('c_crop,w_400,h_300,z_2')).toEqual([
      { op: 'extract', left: 400, top: 175, width: 200, height: 150, gravity: { kind: 'compass', direction: 'center' } },
      { op: 'resize', width: 400, height: 300 },
    ]);
    // No w/h: the image's own size, half of it zoomed to the whole.
    expect(project('c_crop,g_north_west,z_2')).toEqual([
      { op: 'extract', left: 0, top: 0, width: 500, height: 250, gravity: { kind: 'compass', direction: 'north_west' } },
      { op: 'resize', width: 1000, height: 500 },
    ]);
    // Zooming out is bounded by the image: 800x600 clamps to 800x500, delivered at half that.
    expect(project('c_crop,w_400,h_300,z_0.5').at(-1)).toMatchObject({ width: 400, height: 250 });
    expect(project('c_crop,w_400,h_300,z_1')).toEqual(project('c_crop,w_400,h_300'));
    // c_thumb: covering 400x300 scales to 600x300; z_2 scales to 1200x600 and cuts the same 400x300.
    expect(project('c_thumb,w_400,h_300,z_2')).toEqual([
      { op: 'cover', width: 400, height: 300, scaledWidth: 1200, scaledHeight: 600, gravity: { kind: 'compass', direction: 'center' } },
    ]);
    expect(project('c_thumb,w_400,h_300,z_0.5')).toEqual(project('c_thumb,w_400,h_300'));
    // Other modes ignore z_.
    expect(project('c_fill,w_400,h_300,z_2')).toEqual(project('c_fill,w_400,h_300'));
  });
});

describe('d_ (default image)', () => {
  it('is split off before parsing and changes nothing of the plan', () => {
    expect(splitDefaultImage('d_avatars:anon.png,w_100/e_trim')).toEqual({ defaultImage: 'avatars/anon.png', rest: 'w_100/e_trim' });
    expect(() => parseTransformation('d_anon.png')).toThrow(
      expect.objectContaining({ status: 400, message: 'Unsupported transformation parameter - d_anon.png' }),
    );
  });
});
