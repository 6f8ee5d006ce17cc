import { describe, expect, it } from 'vitest';
import { TRANSFORMATION_KEYS } from '@rendition/protocol';
import { clientHintsOf, resolveClientHints, varyHeaders } from './client-hints.ts';
import { SUPPORTED_KEYS, UNSUPPORTED_KEYS } from './parse-parameter.ts';

describe('resolveClientHints', () => {
  it.each([
    ['c_scale,w_auto:100:400', { width: 333 }, 'c_scale,w_400', ['width', 'viewport-width']],
    ['c_scale,w_auto:100:400', { width: 400 }, 'c_scale,w_400', ['width', 'viewport-width']],
    ['c_scale,w_auto:100:400', { width: 401 }, 'c_scale,w_500', ['width', 'viewport-width']],
    ['c_scale,w_auto:100:400', {}, 'c_scale,w_400', ['width', 'viewport-width']],
    ['c_scale,w_auto', { width: 77 }, 'c_scale,w_77', ['width', 'viewport-width']],
    ['c_scale,w_auto', {}, 'c_scale', ['width', 'viewport-width']],
    ['w_auto/e_grayscale', {}, 'e_grayscale', ['width', 'viewport-width']],
    ['w_auto:0', { width: 5 }, 'w_5', ['width', 'viewport-width']],
    ['w_auto:10', { viewportWidth: 205 }, 'w_210', ['width', 'viewport-width']],
    ['w_auto:10', { viewportWidth: 205, dpr: 2 }, 'w_410', ['width', 'viewport-width']],
    ['w_auto,dpr_auto', { width: 300, dpr: 3 }, 'w_100,dpr_3.0', ['dpr', 'width', 'viewport-width']],
    ['w_100,dpr_auto', { dpr: 2 }, 'w_100,dpr_2.0', ['dpr']],
    ['w_100,dpr_auto', { dpr: 1.26 }, 'w_100,dpr_1.3', ['dpr']],
    ['w_100,dpr_auto', {}, 'w_100,dpr_1.0', ['dpr']],
    ['w_100,dpr_auto', { dpr: 9 }, 'w_100,dpr_5.0', ['dpr']],
    ['w_100,dpr_auto', { dpr: 0 }, 'w_100,dpr_1.0', ['dpr']],
    ['w_auto', { width: 0 }, '', ['width', 'viewport-width']],
    ['w_auto', { width: 20_000 }, '', ['width', 'viewport-width']],
    ['w_auto:100:400', { width: Number.NaN }, 'w_400', ['width', 'viewport-width']],
    ['c_fill,w_100', { width: 500 }, 'c_fill,w_100', []],
    ['w_auto_x', { width: 500 }, 'w_auto_x', []],
    ['q_auto', { width: 500 }, 'q_auto', []],
  ] as const)('%s with %j → %s', (transformation, hints, expected, dependsOn) => {
    const resolved = resolveClientHints(transformation, hints);
    expect(resolved.transformation).toBe(expected);
    expect(resolved.dependsOn.sort()).toEqual([...dependsOn].sort());
  });

  it('reads the hints from request headers, the standard names first', () => {
    expect(clientHintsOf({ 'sec-ch-width': '320', width: '100', 'sec-ch-dpr': '2', 'viewport-width': '1024' })).toEqual({
      width: 320,
      dpr: 2,
      viewportWidth: 1024,
    });
    expect(clientHintsOf({ width: ['100', '200'], dpr: '1.5' })).toEqual({ width: 100, dpr: 1.5 });
    expect(clientHintsOf({ width: 'wide', dpr: '-2', 'sec-ch-viewport-width': ' 800 ' })).toEqual({ viewportWidth: 800 });
    expect(clientHintsOf({})).toEqual({});
  });

  it('names the Vary headers of what the answer depends on', () => {
    expect(varyHeaders(['width', 'viewport-width', 'dpr'])).toEqual([
      'Sec-CH-Width',
      'Width',
      'Sec-CH-Viewport-Width',
      'Viewport-Width',
      'Sec-CH-DPR',
      'DPR',
    ]);
    expect(varyHeaders(['dpr'])).toEqual(['Sec-CH-DPR', 'DPR']);
    expect(varyHeaders([])).toEqual([]);
  });
});

describe('the transformation keys', () => {
  it('every key this package parses or refuses is a key delivery reads as a transformation step', () => {
    for (const key of [...SUPPORTED_KEYS, ...UNSUPPORTED_KEYS]) expect(TRANSFORMATION_KEYS.has(key)).toBe(true);
    expect(TRANSFORMATION_KEYS.size).toBe(new Set([...SUPPORTED_KEYS, ...UNSUPPORTED_KEYS]).size);
  });
});
