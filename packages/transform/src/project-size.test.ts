import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { parseTransformation } from './parse-transformation.ts';
import {
  componentGeometry,
  DEFAULT_DOCUMENT_DENSITY,
  documentDensity,
  planInputSize,
  projectAssetPlan,
  projectOutputSize,
  projectPlan,
  renderedPageSize,
  rotatedSize,
  type Size,
} from './project-size.ts';

const INPUT: Size = { width: 1000, height: 500 };
const LIMITS = { maxDimension: 10_000, maxPixels: 25_000_000 };
const project = (text: string, input: Size = INPUT): string => {
  const size = projectOutputSize(parseTransformation(text), input, LIMITS);
  return `${size.width}x${size.height}`;
};
const steps = (text: string, input: Size = INPUT) => componentGeometry(parseTransformation(text).components[0]!, input).steps;

describe('projectOutputSize', () => {
  it.each<[string, string]>([
    ['', '1000x500'],
    ['e_grayscale,q_80,f_webp', '1000x500'],
    ['c_fill', '1000x500'], // a crop mode with no box does nothing
    // fractions are of the component's input
    ['w_0.5', '500x250'],
    ['w_1.0', '1000x500'],
    ['w_2.0', '2000x1000'],
    ['h_0.5,w_0.5', '500x250'],
    ['w_0.5/w_0.5', '250x125'],
    ['w_0.0001', '1x1'],
    ['c_crop,w_0.5,h_0.5', '500x250'],
    // aspect ratio
    ['w_400,ar_16:9,c_fill', '400x225'],
    ['h_300,ar_1.5', '450x300'],
    ['w_400,h_100,ar_1:1', '400x100'], // both sides: ar is ignored
    ['ar_1:2,c_fill', '250x500'],
    ['ar_4:1,c_pad', '2000x500'],
    ['ar_4:1', '1000x250'],
    // dpr multiplies the component's pixel lengths
    ['w_400,dpr_2.0', '800x400'],
    ['c_fill,w_100,h_100,dpr_3.0', '300x300'],
    ['w_0.5,dpr_2.0', '1000x500'],
    ['dpr_2.0', '1000x500'],
    ['bo_2px_solid_red,dpr_2.0', '1008x508'],
    // rotation, flips, border
    ['a_90', '500x1000'],
    ['a_-90', '500x1000'],
    ['a_270', '500x1000'],
    ['a_180', '1000x500'],
    ['a_360', '1000x500'],
    ['a_45', '1061x1061'],
    ['a_hflip', '1000x500'],
    ['a_90.90', '1000x500'],
    ['a_exif', '1000x500'],
    ['bo_10px_solid_black', '1020x520'],
    ['c_fill,w_100,h_50,a_90,bo_5px_solid_red', '60x110'],
    // chains apply in order
    ['c_fill,w_100,h_100/c_pad,w_200,h_100', '200x100'],
    ['w_2.0/w_2.0', '4000x2000'],
    ['c_limit,w_2000,h_2000/c_mfit,w_1500,h_1500', '1500x750'],
  ])('%s → %s', (text, want) => {
    expect(project(text)).toBe(want);
  });

  it('rotates by auto_right/auto_left first, only when the box and the image differ in orientation', () => {
    expect(steps('c_fill,w_300,h_400,a_auto_right')).toEqual([
      { op: 'rotate', degrees: 90, width: 500, height: 1000, background: null },
      { op: 'cover', width: 300, height: 400, scaledWidth: 300, scaledHeight: 600, gravity: { kind: 'compass', direction: 'center' } },
    ]);
    expect(steps('c_fill,w_300,h_400,a_auto_left')[0]).toMatchObject({ op: 'rotate', degrees: 270 });
    expect(steps('c_fill,w_400,h_300,a_auto_right').map((step) => step.op)).toEqual(['cover']);
    expect(steps('c_fill,w_300,h_300,a_auto_right').map((step) => step.op)).toEqual(['cover']);
    expect(steps('w_300,a_auto_right').map((step) => step.op)).toEqual(['resize']);
  });

  it('gives the rotated bounding box', () => {
    expect(rotatedSize({ width: 100, height: 50 }, 90)).toEqual({ width: 50, height: 100 });
    expect(rotatedSize({ width: 100, height: 50 }, 180)).toEqual({ width: 100, height: 50 });
    expect(rotatedSize({ width: 100, height: 100 }, 45)).toEqual({ width: 141, height: 141 });
    expect(rotatedSize({ width: 100, height: 50 }, 30)).toEqual({ width: 112, height: 93 });
  });
});

describe('geometry steps for the executor', () => {
  const center = { kind: 'compass', direction: 'center' } as const;

  it('fill: one cover step with its scaled intermediate', () => {
    expect(steps('c_fill,w_400,h_300')).toEqual([{ op: 'cover', width: 400, height: 300, scaledWidth: 600, scaledHeight: 300, gravity: center }]);
    expect(steps('c_fill,w_400,h_300,g_auto')[0]).toMatchObject({ gravity: { kind: 'auto', requested: 'auto', faceFallback: false } });
  });

  it('pad: resize then pad, placed by gravity, with the background colour', () => {
    expect(steps('c_pad,w_400,h_300')).toEqual([
      { op: 'resize', width: 400, height: 200 },
      { op: 'pad', left: 0, top: 50, width: 400, height: 300, background: null },
    ]);
    expect(steps('c_pad,w_400,h_300,g_south,b_red')[1]).toEqual({
      op: 'pad',
      left: 0,
      top: 100,
      width: 400,
      height: 300,
      background: { text: 'red', r: 255, g: 0, b: 0, alpha: 1 },
    });
    expect(steps('c_lpad,w_2000,h_1000,g_north_west')).toEqual([{ op: 'pad', left: 0, top: 0, width: 2000, height: 1000, background: null }]);
    expect(steps('c_lpad,w_2000,h_1000,g_east')[0]).toMatchObject({ left: 1000, top: 250 });
  });

  it('fill_pad: a limited cover, then pad to the box', () => {
    expect(steps('c_fill_pad,w_400,h_1000')).toEqual([
      { op: 'cover', width: 400, height: 500, scaledWidth: 1000, scaledHeight: 500, gravity: center },
      { op: 'pad', left: 0, top: 250, width: 400, height: 1000, background: null },
    ]);
  });

  it.each<[string, { left: number; top: number; width: number; height: number }]>([
    ['c_crop,w_100,h_100', { left: 450, top: 200, width: 100, height: 100 }],
    ['c_crop,w_100,h_100,x_10,y_20', { left: 10, top: 20, width: 100, height: 100 }], // x/y without gravity: north_west
    ['c_crop,w_100,h_100,g_north_west', { left: 0, top: 0, width: 100, height: 100 }],
    ['c_crop,w_100,h_100,g_south_east,x_10,y_20', { left: 890, top: 380, width: 100, height: 100 }], // offsets point inward
    ['c_crop,w_100,h_100,g_center,x_10,y_-20', { left: 460, top: 180, width: 100, height: 100 }],
    ['c_crop,w_100,h_100,g_east', { left: 900, top: 200, width: 100, height: 100 }],
    ['c_crop,w_100,h_100,x_950,y_450', { left: 900, top: 400, width: 100, height: 100 }], // kept inside the image
    ['c_crop,w_100,h_100,x_-50', { left: 0, top: 0, width: 100, height: 100 }],
    ['c_crop,w_100,h_100,x_0.1,y_0.5', { left: 100, top: 250, width: 100, height: 100 }], // fractions of the input
    ['c_crop,w_100,h_100,x_10,dpr_2.0', { left: 20, top: 0, width: 200, height: 200 }],
    ['c_crop,w_2000,h_100', { left: 0, top: 200, width: 1000, height: 100 }], // clamped to the image
    ['c_crop,w_100,h_100,g_auto', { left: 450, top: 200, width: 100, height: 100 }], // auto: centred; the executor may refine
  ])('%s', (text, region) => {
    const [step, ...rest] = steps(text);
    expect(rest).toEqual([]);
    expect(step).toMatchObject({ op: 'extract', ...region });
  });

  it('orders sizing, then angle steps, then border', () => {
    expect(steps('w_100,a_hflip.90.vflip,bo_1px_solid_red').map((step) => [step.op, step.width, step.height])).toEqual([
      ['resize', 100, 50],
      ['flop', 100, 50],
      ['rotate', 50, 100],
      ['flip', 50, 100],
      ['border', 52, 102],
    ]);
  });

  it('needs named transformations expanded first, and a real input size', () => {
    expect(() => projectOutputSize(parseTransformation('t_thumb'), INPUT, LIMITS)).toThrow(TypeError);
    expect(() => projectOutputSize(parseTransformation('w_10'), { width: 0, height: 10 }, LIMITS)).toThrow(TypeError);
    expect(() => projectOutputSize(parseTransformation('w_10'), { width: 1.5, height: 10 }, LIMITS)).toThrow(TypeError);
  });

  it('returns every component geometry in order', () => {
    const plan = projectPlan(parseTransformation('w_500/c_crop,w_100,h_100/a_90'), INPUT, LIMITS);
    expect(plan.components.map((component) => component.output)).toEqual([
      { width: 500, height: 250 },
      { width: 100, height: 100 },
      { width: 100, height: 100 },
    ]);
    expect(plan.output).toEqual({ width: 100, height: 100 });
  });
});

describe('limits: refused before any pixel is computed', () => {
  it.each<[string, string]>([
    ['w_100000', 'Requested output of 100000x50000 exceeds the maximum of 10000 pixels per side'],
    ['h_20000', 'Requested output of 40000x20000 exceeds the maximum of 10000 pixels per side'],
    ['c_scale,w_10,h_10001', 'Requested output of 10x10001 exceeds the maximum of 10000 pixels per side'],
    ['w_8000', 'Requested output of 8000x4000 exceeds the maximum of 25000000 pixels'],
    // an upscale chain stops at the first step too large
    ['w_2.0/w_2.0/w_2.0/w_2.0', 'Requested output of 8000x4000 exceeds the maximum of 25000000 pixels'],
    ['w_1000.0', 'Requested output of 1000000x500000 exceeds the maximum of 10000 pixels per side'],
    // a fill's scaled intermediate counts even when the result is small
    ['c_fill,w_100,h_9000', 'Requested output of 18000x9000 exceeds the maximum of 10000 pixels per side'],
    ['c_pad,w_10000,h_10000', 'Requested output of 10000x5000 exceeds the maximum of 25000000 pixels'], // the resize before the pad
    ['w_5000,dpr_5.0', 'Requested output of 25000x12500 exceeds the maximum of 10000 pixels per side'],
    ['bo_5000px_solid_red', 'Requested output of 11000x10500 exceeds the maximum of 10000 pixels per side'],
    ['w_7000,a_45', 'Requested output of 7425x7425 exceeds the maximum of 25000000 pixels'], // the rotated bounding box
  ])('%s → %s', (text, message) => {
    const error = refusal(() => project(text));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('accepts sizes exactly at the limits', () => {
    expect(project('c_scale,w_10000,h_2500')).toBe('10000x2500');
    expect(project('c_scale,w_5000,h_5000')).toBe('5000x5000');
  });

  it('a limit-mode chain never grows past the input, so it passes where scale would not', () => {
    expect(project('c_limit,w_100000,h_100000')).toBe('1000x500');
    expect(project('c_lfill,w_100000,h_100000')).toBe('1000x500');
  });
});

describe('documents (PDF): the input is page 1 rendered at dn_', () => {
  // A US Letter page: 612x792 points, stored as the asset's width/height.
  const LETTER = { width: 612, height: 792, format: 'pdf' };
  const projectAsset = (text: string, source: Size & { format: string | null } = LETTER, limits = LIMITS): string => {
    const size = projectAssetPlan(parseTransformation(text), source, limits).output;
    return `${size.width}x${size.height}`;
  };

  it.each<[string, string]>([
    ['', '612x792'], // default density 72: one pixel per point, the reported width/height
    ['dn_72', '612x792'],
    ['dn_144', '1224x1584'],
    ['dn_300', '2550x3300'],
    ['dn_1', '9x11'],
    ['dn_20', '170x220'],
    ['dn_150,w_0.5', '638x826'], // fractions are of the rendered page
    ['dn_144,w_300', '300x388'],
    ['pg_3,w_300', '300x388'], // a later page is projected with page 1's size
    ['dn_144/w_0.5', '612x792'],
    ['w_2.0,dn_150', '2550x3300'], // the first dn_ of the chain renders, wherever it stands in its component
    ['c_fill,w_200,h_200,dn_300', '200x200'],
    ['w_100/dn_300', '100x129'], // a dn_ in a later component still sets the render density
  ])('%s → %s', (text, want) => {
    expect(projectAsset(text)).toBe(want);
  });

  it('leaves raster inputs alone: dn_ changes no pixel of an image', () => {
    expect(projectAsset('dn_300', { width: 1000, height: 500, format: 'png' })).toBe('1000x500');
    expect(projectAsset('dn_300,w_0.5', { width: 1000, height: 500, format: 'jpg' })).toBe('500x250');
    expect(projectAsset('dn_300', { width: 1000, height: 500, format: null })).toBe('1000x500');
    expect(planInputSize(parseTransformation('dn_300'), { width: 1000, height: 500, format: 'gif' })).toEqual({ width: 1000, height: 500 });
  });

  it('computes the rendered size as points × dn / 72, rounded, at least 1 pixel', () => {
    expect(DEFAULT_DOCUMENT_DENSITY).toBe(72);
    expect(documentDensity(parseTransformation('w_100'))).toBe(72);
    expect(documentDensity(parseTransformation('pg_2,dn_96/dn_200'))).toBe(96);
    expect(renderedPageSize({ width: 612, height: 792 }, 96)).toEqual({ width: 816, height: 1056 });
    expect(renderedPageSize({ width: 595, height: 842 }, 150)).toEqual({ width: 1240, height: 1754 }); // A4
    expect(renderedPageSize({ width: 10, height: 10 }, 1)).toEqual({ width: 1, height: 1 });
  });

  it.each<[string, string]>([
    // the rendered page is the output when no step changes the size: bounded like any output
    ['dn_600', 'Requested output of 5100x6600 exceeds the maximum of 5000 pixels per side'],
    ['dn_600,e_grayscale', 'Requested output of 5100x6600 exceeds the maximum of 5000 pixels per side'],
    ['dn_400', 'Requested output of 3400x4400 exceeds the maximum of 10000000 pixels'],
    ['dn_300,w_2.0', 'Requested output of 5100x6600 exceeds the maximum of 5000 pixels per side'],
    ['dn_144,c_pad,w_4000,h_4000', 'Requested output of 3091x4000 exceeds the maximum of 10000000 pixels'],
  ])('refuses %s before anything is rendered: %s', (text, message) => {
    const error = refusal(() => projectAsset(text, LETTER, { maxDimension: 5000, maxPixels: 10_000_000 }));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('accepts a large render that the plan scales down (the renderer bounds the page itself)', () => {
    expect(projectAsset('dn_600,w_500', LETTER, { maxDimension: 5000, maxPixels: 10_000_000 })).toBe('500x647');
    expect(projectAsset('dn_300', LETTER, { maxDimension: 5000, maxPixels: 10_000_000 })).toBe('2550x3300');
  });
});
