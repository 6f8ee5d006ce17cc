import { describe, expect, it } from 'vitest';
import { parseTransformation } from './parse-transformation.ts';
import { planInfo, transformationInfo } from './plan-info.ts';

describe('planInfo', () => {
  const cases: [string, Record<string, string | number>[]][] = [
    ['c_scale,w_100', [{ crop: 'scale', width: 100 }]],
    ['w_102,c_scale', [{ crop: 'scale', width: 102 }]],
    ['c_scale,l_text:Arial_60:xyz,w_100', [{ crop: 'scale', width: 100, overlay: 'text:Arial_60:xyz' }]],
    ['c_fill,g_north,h_200,w_300/e_blur:300', [{ crop: 'fill', gravity: 'north', height: 200, width: 300 }, { effect: 'blur:300' }]],
    ['c_crop,g_north_west,x_10,y_-5,w_50,h_50', [{ crop: 'crop', gravity: 'north_west', x: 10, y: -5, width: 50, height: 50 }]],
    ['q_80,f_webp', [{ quality: 80, fetch_format: 'webp' }]],
    ['q_auto:eco', [{ quality: 'auto:eco' }]],
    ['a_90,r_20,o_50', [{ angle: 90, radius: 20, opacity: 50 }]],
    ['b_rgb:ff0000,c_pad,h_10,w_10', [{ background: 'rgb:ff0000', crop: 'pad', height: 10, width: 10 }]],
    ['bo_2px_solid_rgb:000000', [{ border: '2px_solid_rgb:000000' }]],
    ['dpr_2.0,w_0.5', [{ dpr: 2, width: 0.5 }]],
    ['fl_attachment', [{ flags: 'attachment' }]],
    ['e_grayscale', [{ effect: 'grayscale' }]],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(planInfo(parseTransformation(text))).toEqual(expected);
  });

  it('adds the extension of a named definition to the last component', () => {
    expect(transformationInfo('c_scale,w_102', '')).toEqual([{ crop: 'scale', width: 102, extension: 'none' }]);
    expect(transformationInfo('c_scale,w_102/e_sepia', 'jpg')).toEqual([
      { crop: 'scale', width: 102 },
      { effect: 'sepia', extension: 'jpg' },
    ]);
    expect(transformationInfo('')).toEqual([]);
  });
});
