import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { canonicalString, planHash } from './canonical.ts';
import { layerReferences } from './layer-references.ts';
import { MAX_LAYERS } from './layer-messages.ts';
import { parseTransformation } from './parse-transformation.ts';
import type { Layer, TransformationPlan } from './plan.ts';

const canonical = (text: string): string => canonicalString(parseTransformation(text));
const onlyLayer = (text: string): Layer => {
  const plan = parseTransformation(text);
  expect(plan.components).toHaveLength(1);
  expect(Object.keys(plan.components[0]!)).toEqual(['layer']);
  return plan.components[0]!.layer!;
};

describe('layers: valid strings and their canonical form', () => {
  it.each<[string, string]>([
    // one component: g_/x_/y_ and layer flags place the layer, everything else is its own
    ['l_logo', 'l_logo'],
    ['l_logo,g_north', 'g_north,l_logo'],
    ['g_north_east,x_10,y_5,l_logo', 'g_north_east,l_logo,x_10,y_5'],
    ['l_logo,w_50,c_scale,o_50,g_south', 'c_scale,g_south,l_logo,o_50,w_50'],
    ['u_paper,w_1.0,fl_relative', 'fl_relative,u_paper,w_1.0'],
    ['l_logo,fl_tiled.no_overflow', 'fl_no_overflow.tiled,l_logo'],
    ['l_logo,fl_layer_apply,g_west', 'g_west,l_logo'],
    ['l_logo,fl_progressive.tiled', 'fl_progressive.tiled,l_logo'],
    // folders and format
    ['l_brand:logos:main', 'l_brand:logos:main'],
    ['l_brand:logo.png', 'l_brand:logo.png'],
    ['l_logo.v2', 'l_logo.v2'],
    ['l_logo.PNG', 'l_logo.PNG'],
    // opening … fl_layer_apply: the opening's g_ is the layer's own (its crop), the apply places it
    ['l_logo,c_crop,w_10,h_10,g_north/fl_layer_apply,g_south,x_0.1', 'c_crop,g_north,h_10,l_logo,w_10/fl_layer_apply,g_south,x_0.1'],
    ['l_logo/e_grayscale/a_90/fl_layer_apply,g_east', 'e_grayscale,l_logo/a_90/fl_layer_apply,g_east'],
    ['l_logo/w_100/fl_layer_apply', 'l_logo,w_100'],
    ['l_logo,w_0.5/fl_relative,e_negate/fl_layer_apply.tiled', 'l_logo,w_0.5/e_negate/fl_layer_apply.relative.tiled'],
    ['l_logo/fl_layer_apply.cutter,g_center', 'fl_cutter,g_center,l_logo'],
    // layer flags of every fl_ in a component count; the other flags keep "the last fl_ wins"
    ['l_logo/fl_layer_apply,fl_no_overflow', 'fl_no_overflow,l_logo'],
    ['l_logo,fl_lossy,fl_tiled,fl_progressive', 'fl_progressive.tiled,l_logo'],
    // what follows the layer applies to the composed image
    ['w_200/l_logo,g_north/e_grayscale', 'w_200/g_north,l_logo/e_grayscale'],
    // nesting: fl_layer_apply closes the most recent open layer; an unclosed one is complete in its component
    ['l_a/l_b,g_north/fl_layer_apply/fl_layer_apply,g_south', 'l_a/g_north,l_b/fl_layer_apply/fl_layer_apply,g_south'],
    ['l_a/l_b,g_north_west/fl_layer_apply', 'l_a/g_north_west,l_b/fl_layer_apply'],
    ['l_a,w_10/l_b,g_east/fl_layer_apply,g_west', 'l_a,w_10/g_east,l_b/fl_layer_apply,g_west'],
    ['l_a,w_10/l_b/fl_layer_apply,g_east/fl_layer_apply,g_west', 'l_a,w_10/l_b/fl_layer_apply,g_east/fl_layer_apply,g_west'],
    // fetch: base64 or base64url, padded or not, one spelling (base64url without padding, as the SDK writes)
    ['l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n', 'l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n'],
    ['l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZw==', 'l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZw'],
    ['l_fetch:aHR0cHM6Ly9leGFtcGxlLmNvbS9hP2I9fn5+Pj4+', 'l_fetch:aHR0cHM6Ly9leGFtcGxlLmNvbS9hP2I9fn5-JTNFJTNFJTNF'],
    ['l_fetch:SFRUUDovL0V4YW1wbGUuQ09NL3gucG5n', 'l_fetch:aHR0cDovL2V4YW1wbGUuY29tL3gucG5n'],
  ])('%s → %s', (text, want) => {
    expect(canonical(text)).toBe(want);
    expect(canonical(want)).toBe(want);
  });

  it('folds a layer into one component that carries only the layer', () => {
    expect(parseTransformation('w_200/l_brand:logo.png,w_50,c_scale,o_50,g_north_east,x_10,y_-5/e_grayscale')).toEqual({
      components: [
        { width: { kind: 'pixels', value: 200 } },
        {
          layer: {
            mode: 'overlay',
            source: { kind: 'asset', publicId: 'brand/logo', resourceType: 'image', deliveryType: 'upload', format: 'png' },
            components: [{ width: { kind: 'pixels', value: 50 }, crop: 'scale', opacity: 50 }],
            placement: {
              gravity: { kind: 'compass', direction: 'north_east' },
              x: { kind: 'pixels', value: 10 },
              y: { kind: 'pixels', value: -5 },
              flags: [],
            },
          },
        },
        { effect: { name: 'grayscale' } },
      ],
    });
  });

  it('gives the layer its components up to fl_layer_apply and collects the layer flags of all of them', () => {
    const layer = onlyLayer('u_paper,c_fill,g_north,fl_tiled/w_0.5,fl_relative/e_negate/fl_layer_apply.no_overflow,x_3');
    expect(layer.mode).toBe('underlay');
    expect(layer.components).toEqual([
      { crop: 'fill', gravity: { kind: 'compass', direction: 'north' } },
      { width: { kind: 'fraction', value: 0.5 } },
      { effect: { name: 'negate' } },
    ]);
    expect(layer.placement).toEqual({ x: { kind: 'pixels', value: 3 }, flags: ['no_overflow', 'relative', 'tiled'] });
  });

  it('decodes a fetch layer to its normalised URL', () => {
    expect(onlyLayer('l_fetch:SFRUUDovL0V4YW1wbGUuQ09NL3gucG5n').source).toEqual({ kind: 'fetch', url: 'http://example.com/x.png' });
    expect(onlyLayer('l_fetch:aHR0cHM6Ly9leMOkbXBsZS5jb20vw7wucG5n').source).toEqual({ kind: 'fetch', url: 'https://xn--exmple-cua.com/%C3%BC.png' });
  });

  it('spells one meaning one way: the same hash however the layer is written', () => {
    const groups = [
      ['l_logo,g_north', 'l_logo/fl_layer_apply,g_north', 'g_north,l_logo,fl_layer_apply'],
      ['l_logo,w_100,fl_tiled', 'l_logo/w_100/fl_layer_apply,fl_tiled', 'l_logo,fl_tiled/w_100/fl_layer_apply', 'l_logo,w_100/fl_tiled,fl_layer_apply'],
      ['l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZw==', 'l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZw'],
    ];
    for (const group of groups) expect(new Set(group.map((text) => planHash(parseTransformation(text)))).size).toBe(1);
    expect(planHash(parseTransformation('l_logo,g_north'))).not.toBe(planHash(parseTransformation('u_logo,g_north')));
    expect(planHash(parseTransformation('l_logo,w_100,g_north'))).not.toBe(planHash(parseTransformation('l_logo,g_north/w_100')));
  });
});

describe('layers: refusals', () => {
  it.each<[string, string]>([
    ['fl_layer_apply', 'Invalid transformation - fl_layer_apply with no layer (l_ or u_) to apply: fl_layer_apply'],
    [
      'l_logo/fl_layer_apply/fl_layer_apply,g_north',
      'Invalid transformation - fl_layer_apply with no layer (l_ or u_) to apply: fl_layer_apply,g_north',
    ],
    ['w_100,fl_layer_apply.progressive', 'Invalid transformation - fl_layer_apply with no layer (l_ or u_) to apply: w_100,fl_layer_apply.progressive'],
    ['fl_tiled', 'Invalid flag - tiled: only valid inside a layer (from l_ or u_ to fl_layer_apply): fl_tiled'],
    ['w_100,fl_relative', 'Invalid flag - relative: only valid inside a layer (from l_ or u_ to fl_layer_apply): w_100,fl_relative'],
    ['l_logo/fl_layer_apply/fl_cutter', 'Invalid flag - cutter: only valid inside a layer (from l_ or u_ to fl_layer_apply): fl_cutter'],
    ['fl_tiled.foo', 'Invalid flag - foo'],
    ['l_a,u_b', 'Invalid transformation - one layer (l_ or u_) per component: l_a,u_b'],
    ['l_a,l_b', 'Invalid transformation - one layer (l_ or u_) per component: l_a,l_b'],
    [
      'l_logo/fl_layer_apply,w_100',
      'Invalid transformation - only g_, x_, y_ and the layer flags (layer_apply, tiled, no_overflow, cutter, relative, region_relative, text_no_trim, text_disallow_overflow) may accompany fl_layer_apply: fl_layer_apply,w_100',
    ],
    [
      'l_logo/fl_layer_apply.progressive',
      'Invalid transformation - only g_, x_, y_ and the layer flags (layer_apply, tiled, no_overflow, cutter, relative, region_relative, text_no_trim, text_disallow_overflow) may accompany fl_layer_apply: fl_layer_apply.progressive',
    ],
    [
      'l_logo/fl_progressive,fl_layer_apply',
      'Invalid transformation - only g_, x_, y_ and the layer flags (layer_apply, tiled, no_overflow, cutter, relative, region_relative, text_no_trim, text_disallow_overflow) may accompany fl_layer_apply: fl_progressive,fl_layer_apply',
    ],
    ['u_logo,fl_cutter', 'Invalid transformation - fl_cutter cuts the image with an overlay (l_), not an underlay (u_): u_logo,fl_cutter'],
    ['l_logo,t_thumb', 'Unsupported transformation parameter - t_ inside a layer: l_logo,t_thumb'],
    ['l_logo/t_thumb/fl_layer_apply', 'Unsupported transformation parameter - t_ inside a layer: t_thumb'],
    // sources
    ['l_video:clip', 'Unsupported layer - l_video:clip: only image layers are supported'],
    ['l_subtitles:clip.srt', 'Unsupported layer - l_subtitles:clip.srt: subtitle layers are not supported'],
    ['l_private:logo', 'Unsupported layer - l_private:logo: layers of private assets are not supported'],
    ['u_authenticated:a:b', 'Unsupported layer - u_authenticated:a:b: layers of authenticated assets are not supported'],
    ['l_a::b', 'Invalid layer - l_a::b: Invalid public_id a//b: contains an empty path element'],
    ['l_:logo', 'Invalid layer - l_:logo: Invalid public_id /logo: must not begin or end with a space or /'],
    ['l_logo:', 'Invalid layer - l_logo:: Invalid public_id logo/: must not begin or end with a space or /'],
    ['l_a:..:b', "Invalid layer - l_a:..:b: Invalid public_id a/../b: path element '..' is not allowed"],
    ['l_fetch:', 'Invalid layer - l_fetch:: the URL must be base64url-encoded'],
    ['l_fetch:a$b', 'Invalid layer - l_fetch:a$b: the URL must be base64url-encoded'],
    ['l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZx', 'Invalid layer - l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2FiLnBuZx: the URL must be base64url-encoded'],
    ['l_fetch:=aHR0', 'Invalid layer - l_fetch:=aHR0: the URL must be base64url-encoded'],
    [
      'l_fetch:ZnRwOi8vZXhhbXBsZS5jb20vYS5wbmc',
      'Invalid layer - l_fetch:ZnRwOi8vZXhhbXBsZS5jb20vYS5wbmc: the encoded text is not an http or https URL',
    ],
    ['l_fetch:bG9nbw', 'Invalid layer - l_fetch:bG9nbw: the encoded text is not an http or https URL'],
    ['l_fetch:_-8', 'Invalid layer - l_fetch:_-8: the encoded URL is not UTF-8 text'],
  ])('%s → %s', (text, message) => {
    const error = refusal(() => parseTransformation(text));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it(`refuses more than ${MAX_LAYERS} layers, nested ones counted`, () => {
    const flat = Array.from({ length: MAX_LAYERS }, (_, index) => `l_logo${index}`).join('/');
    expect(parseTransformation(flat).components).toHaveLength(MAX_LAYERS);
    expect(refusal(() => parseTransformation(`${flat}/u_one_more`)).message).toBe(`Invalid transformation - more than ${MAX_LAYERS} layers`);
    const nested = `${'l_a/'.repeat(MAX_LAYERS)}u_b${'/fl_layer_apply'.repeat(MAX_LAYERS + 1)}`;
    expect(refusal(() => parseTransformation(nested)).message).toBe(`Invalid transformation - more than ${MAX_LAYERS} layers`);
  });

  it('refuses a fetch URL longer than 2048 characters', () => {
    const url = `https://example.com/${'a'.repeat(2029)}`;
    expect(url).toHaveLength(2049);
    const encoded = Buffer.from(url).toString('base64url');
    expect(refusal(() => parseTransformation(`l_fetch:${encoded}`)).message).toBe(
      `Invalid layer - l_fetch:${encoded}: the URL is longer than 2048 characters`,
    );
    expect(onlyLayer(`l_fetch:${Buffer.from(url.slice(0, -1)).toString('base64url')}`).source).toEqual({ kind: 'fetch', url: url.slice(0, -1) });
  });
});

describe('layers: the canonical string parses back to the same plan', () => {
  // Fragments of layer syntax, combined at random: whatever parses must survive parse(canonical(plan)).
  const opening = fc.constantFrom('l_logo', 'u_paper', 'l_brand:logo.png', 'l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n', 'l_a.v1');
  const param = fc.constantFrom(
    'w_50',
    'w_0.5',
    'h_20',
    'c_fill',
    'c_crop',
    'c_scale',
    'g_north',
    'g_south_east',
    'g_auto',
    'x_10',
    'x_-0.25',
    'y_5',
    'o_50',
    'e_grayscale',
    'a_90',
    'r_max',
    'b_red',
    'co_blue',
    'fl_tiled',
    'fl_relative',
    'fl_no_overflow',
    'fl_cutter',
    'fl_progressive',
    'fl_relative.progressive',
    'dpr_2.0',
  );
  const plain = fc.array(param, { minLength: 1, maxLength: 4 }).map((params) => params.join(','));
  const apply = fc
    .array(fc.constantFrom('g_north', 'x_10', 'y_-3', 'fl_tiled', 'fl_no_overflow', 'fl_relative'), { maxLength: 3 })
    .map((params) => ['fl_layer_apply', ...params].join(','));
  const component = fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 2, arbitrary: fc.tuple(opening, fc.array(param, { maxLength: 3 })).map(([open, params]) => [open, ...params].join(',')) },
    { weight: 2, arbitrary: apply },
  );
  const chain = fc.array(component, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('/'));

  const parses = (text: string): TransformationPlan | undefined => {
    try {
      return parseTransformation(text);
    } catch (error) {
      expect((error as { status?: number }).status, `${text}: ${String(error)}`).toBe(400);
      return undefined;
    }
  };

  it('round-trips random layer chains', () => {
    let parsed = 0;
    fc.assert(
      fc.property(chain, (text) => {
        const plan = parses(text);
        if (plan === undefined) return true;
        parsed += 1;
        const spelled = canonicalString(plan);
        const again = parseTransformation(spelled);
        return isDeepStrictEqual(again, plan) && canonicalString(again) === spelled;
      }),
      { numRuns: 500, seed: 19 },
    );
    // The fragments must mostly parse, or the property says little.
    expect(parsed).toBeGreaterThan(100);
  });

  it.each([
    'l_logo,g_north',
    'u_paper,w_1.0,fl_relative/e_negate/fl_layer_apply.no_overflow,g_south,x_0.1',
    'l_a/l_b,g_north/fl_layer_apply/fl_layer_apply,g_south',
    'l_a/l_b,g_north_west/fl_layer_apply',
    'w_200/l_logo,o_50,c_fill,w_30,h_30,g_auto,fl_tiled/a_90',
  ])('%s', (text) => {
    const plan = parseTransformation(text);
    expect(parseTransformation(canonicalString(plan))).toEqual(plan);
  });
});

describe('layerReferences', () => {
  it('lists the assets and fetched URLs of every layer, nested ones included, each once, in plan order', () => {
    const plan = parseTransformation(
      'l_brand:logo.png,g_north/l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n/u_paper/l_brand:logo/fl_layer_apply/fl_layer_apply/l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n',
    );
    expect(layerReferences(plan)).toEqual({
      assets: [
        { kind: 'asset', publicId: 'brand/logo', resourceType: 'image', deliveryType: 'upload', format: 'png' },
        { kind: 'asset', publicId: 'paper', resourceType: 'image', deliveryType: 'upload', format: null },
      ],
      fetches: [{ kind: 'fetch', url: 'http://example.com/a.png' }],
    });
    expect(layerReferences(parseTransformation('w_100/e_grayscale'))).toEqual({ assets: [], fetches: [] });
  });
});
