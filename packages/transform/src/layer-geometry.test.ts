import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { layerPlan, textWrapWidth, type LayerGeometry } from './layer-geometry.ts';
import { parseTransformation } from './parse-transformation.ts';
import type { Layer, LayerSource } from './plan.ts';
import { componentGeometry, projectPlan, type PlanGeometry, type Size } from './project-size.ts';
import type { TextStyle } from './text-layer.ts';

const BASE: Size = { width: 200, height: 100 };
const LIMITS = { maxDimension: 10_000, maxPixels: 25_000_000 };

/** Projects `text` on BASE with every asset layer's source `sizes[publicId]` (20x20 by default). */
function project(text: string, sizes: Record<string, Size> = {}, base: Size = BASE): PlanGeometry {
  const layerSize = (source: LayerSource): Size | undefined =>
    source.kind === 'asset' ? (sizes[source.publicId] ?? { width: 20, height: 20 }) : undefined;
  return projectPlan(parseTransformation(text), base, LIMITS, { layerSize });
}

/** The placement of the plan's only (first) component, which must be a layer. */
function placed(text: string, sizes: Record<string, Size> = {}): LayerGeometry {
  const layer = project(text, sizes).components[0]!.layer;
  if (layer === undefined) throw new Error(`no layer geometry for ${text}`);
  return layer;
}

const at = (text: string, sizes?: Record<string, Size>): string => {
  const p = placed(text, sizes);
  const size = p.geometry.output;
  return `layer ${size.width}x${size.height} at ${p.left},${p.top}; base at ${p.base.left},${p.base.top}; canvas ${p.width}x${p.height}`;
};

describe('layer placement', () => {
  it.each<[string, string]>([
    // gravity anchors, x/y move inwards from the anchored edge (from the centre: right and down)
    ['l_logo', 'layer 20x20 at 90,40; base at 0,0; canvas 200x100'],
    ['l_logo,g_north_west', 'layer 20x20 at 0,0; base at 0,0; canvas 200x100'],
    ['l_logo,g_north_east,x_10,y_5', 'layer 20x20 at 170,5; base at 0,0; canvas 200x100'],
    ['l_logo,g_south_east,x_10,y_5', 'layer 20x20 at 170,75; base at 0,0; canvas 200x100'],
    ['l_logo,g_south', 'layer 20x20 at 90,80; base at 0,0; canvas 200x100'],
    ['l_logo,g_west,x_5', 'layer 20x20 at 5,40; base at 0,0; canvas 200x100'],
    ['l_logo,x_10,y_-10', 'layer 20x20 at 100,30; base at 0,0; canvas 200x100'],
    ['l_logo,g_auto', 'layer 20x20 at 90,40; base at 0,0; canvas 200x100'],
    ['l_logo,g_face', 'layer 20x20 at 90,40; base at 0,0; canvas 200x100'],
    // fractions of the base
    ['l_logo,g_north_west,x_0.1,y_0.5', 'layer 20x20 at 20,50; base at 0,0; canvas 200x100'],
    // the layer's own components run on its source
    ['l_logo,w_50,c_scale,g_north_west', 'layer 50x50 at 0,0; base at 0,0; canvas 200x100'],
    ['l_logo/w_0.5/fl_layer_apply,g_north_west', 'layer 10x10 at 0,0; base at 0,0; canvas 200x100'],
    ['l_logo,w_0.5,fl_relative,g_north_west', 'layer 100x100 at 0,0; base at 0,0; canvas 200x100'],
    ['l_logo,w_0.5,h_0.5,c_fill,fl_relative', 'layer 100x50 at 50,25; base at 0,0; canvas 200x100'],
    ['l_logo,w_0.5,fl_region_relative,g_north_west', 'layer 10x10 at 0,0; base at 0,0; canvas 200x100'],
    // overflow extends the canvas (transparent), on any side
    ['l_logo,g_north_west,x_-10,y_-5', 'layer 20x20 at 0,0; base at 10,5; canvas 210x105'],
    ['l_logo,g_south_east,x_-20', 'layer 20x20 at 200,80; base at 0,0; canvas 220x100'],
    ['l_logo,w_300,h_300', 'layer 300x300 at 0,0; base at 50,100; canvas 300x300'],
    ['u_logo,w_300,h_300', 'layer 300x300 at 0,0; base at 50,100; canvas 300x300'],
    // fl_no_overflow and fl_cutter keep the base's size: the layer is clipped
    ['l_logo,g_north_west,x_-10,y_-5,fl_no_overflow', 'layer 20x20 at -10,-5; base at 0,0; canvas 200x100'],
    ['l_logo,w_300,h_300,fl_no_overflow', 'layer 300x300 at -50,-100; base at 0,0; canvas 200x100'],
    ['l_logo,g_south_east,x_-20,fl_cutter', 'layer 20x20 at 200,80; base at 0,0; canvas 200x100'],
    // fl_tiled covers the base from its top-left corner, whatever g_/x_/y_ say
    ['l_logo,fl_tiled,g_south_east,x_7', 'layer 20x20 at 0,0; base at 0,0; canvas 200x100'],
    ['u_logo,w_300,fl_tiled', 'layer 300x300 at 0,0; base at 0,0; canvas 200x100'],
  ])('%s → %s', (text, want) => {
    expect(at(text)).toBe(want);
  });

  it('reports the mode and flags, and the canvas as the size after the layer', () => {
    const geometry = project('w_100/u_logo,w_300,h_10,fl_no_overflow/l_logo,x_-200,g_west,fl_cutter/l_logo,fl_tiled/l_logo,g_north_west,x_-5');
    expect(geometry.components.map((component) => component.output)).toEqual([
      { width: 100, height: 50 },
      { width: 100, height: 50 },
      { width: 100, height: 50 },
      { width: 100, height: 50 },
      { width: 105, height: 50 },
    ]);
    expect(geometry.components.slice(1).map(({ layer }) => [layer?.mode, layer?.tiled, layer?.cutter])).toEqual([
      ['underlay', false, false],
      ['overlay', false, true],
      ['overlay', true, false],
      ['overlay', false, false],
    ]);
    expect(geometry.output).toEqual({ width: 105, height: 50 });
  });

  it('projects nested layers on their own layer, and asks for each source by its object', () => {
    const asked: string[] = [];
    const plan = parseTransformation('l_card,w_100,h_60,c_fill/l_badge/fl_layer_apply,g_north_east/fl_layer_apply,g_south_west');
    const geometry = projectPlan(plan, BASE, LIMITS, {
      layerSize: (source) => {
        asked.push(source.kind === 'asset' ? source.publicId : source.kind);
        return source.kind === 'asset' && source.publicId === 'card' ? { width: 400, height: 400 } : { width: 10, height: 8 };
      },
    });
    expect(asked).toEqual(['card', 'badge']);
    const card = geometry.components[0]!.layer!;
    expect(card.geometry.output).toEqual({ width: 100, height: 60 });
    expect([card.left, card.top]).toEqual([0, 40]);
    const badge = card.geometry.components[1]!.layer!;
    expect([badge.left, badge.top, badge.width, badge.height]).toEqual([90, 0, 100, 60]);
  });

  it('without a source size, leaves the size as it is and bounds the rest', () => {
    const geometry = projectPlan(parseTransformation('w_100/l_logo,g_north/w_2.0'), BASE, LIMITS);
    expect(geometry.components[1]).toEqual({ steps: [], output: { width: 100, height: 50 } });
    expect(geometry.output).toEqual({ width: 200, height: 100 });
    expect(refusal(() => projectPlan(parseTransformation('l_logo/w_20000'), BASE, LIMITS)).message).toBe(
      'Requested output of 20000x10000 exceeds the maximum of 10000 pixels per side',
    );
  });

  it('refuses a layer, or a canvas it grows, beyond the limits', () => {
    expect(refusal(() => project('l_logo,w_20000')).message).toBe('Requested output of 20000x20000 exceeds the maximum of 10000 pixels per side');
    expect(refusal(() => project('l_logo,x_100000')).message).toBe('Requested output of 100110x100 exceeds the maximum of 10000 pixels per side');
    expect(refusal(() => project('l_logo,w_6000,h_6000,c_scale')).message).toBe('Requested output of 6000x6000 exceeds the maximum of 25000000 pixels');
    // clipped, the same layer never grows the canvas
    expect(project('l_logo,x_100000,fl_no_overflow').output).toEqual(BASE);
  });

  it('refuses a layer in the geometry of one component (the video path)', () => {
    const error = refusal(() => componentGeometry(parseTransformation('l_logo,g_north').components[0]!, BASE));
    expect(error.message).toBe('Unsupported transformation parameter - g_north,l_logo: layers are composed on images only');
  });
});

describe('layerPlan and textWrapWidth', () => {
  const style = { fontFamily: 'arial', fontSize: 20 } as TextStyle;
  const textLayer = (text: string): Layer => {
    const { layer } = parseTransformation(text).components[0]!;
    return { ...layer!, source: { kind: 'text', style, text: 'Hello' } };
  };

  it('wraps a text layer at the pixel width of c_fit in its first component, dpr applied, and takes that sizing out', () => {
    const layer = textLayer('l_placeholder,c_fit,w_150,h_40,co_red,dpr_2.0,g_south');
    expect(textWrapWidth(layer)).toBe(300);
    expect(layerPlan(layer, BASE).components).toEqual([{ color: expect.objectContaining({ text: 'red' }), dpr: 2 }]);
  });

  it('does not wrap other layers, other crops or fractional widths', () => {
    expect(textWrapWidth(textLayer('l_placeholder,c_scale,w_150'))).toBeNull();
    expect(textWrapWidth(textLayer('l_placeholder,c_fit,w_0.5'))).toBeNull();
    expect(textWrapWidth(textLayer('l_placeholder/e_negate/c_fit,w_150/fl_layer_apply'))).toBeNull();
    const asset = parseTransformation('l_logo,c_fit,w_150').components[0]!.layer!;
    expect(textWrapWidth(asset)).toBeNull();
    expect(layerPlan(asset, BASE).components).toEqual([{ crop: 'fit', width: { kind: 'pixels', value: 150 } }]);
  });

  it('makes fractional sizes fractions of the base under fl_relative, in every own component', () => {
    const layer = parseTransformation('l_logo,w_0.5,h_0.25/c_crop,w_0.1/fl_layer_apply.relative').components[0]!.layer!;
    expect(layerPlan(layer, { width: 301, height: 100 }).components).toEqual([
      { width: { kind: 'pixels', value: 151 }, height: { kind: 'pixels', value: 25 } },
      { crop: 'crop', width: { kind: 'pixels', value: 30 } },
    ]);
  });
});
