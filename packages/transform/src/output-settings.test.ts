import { ApiError } from '@rendition/protocol';
import { describe, expect, it } from 'vitest';
import { assertImagePlan, outputSettings, videoOnlyParameters } from './output-settings.ts';
import { parseTransformation } from './parse-transformation.ts';

describe('outputSettings', () => {
  it('takes the last f_ and q_, the first pg_ and dn_, and every flag', () => {
    expect(
      outputSettings(parseTransformation('pg_2,f_webp,q_80,fl_attachment:a/fl_progressive/f_avif,pg_5,dn_144/fl_attachment:b.lossy/dn_300')),
    ).toEqual({
      format: 'avif',
      quality: { kind: 'fixed', value: 80 },
      flags: [{ name: 'attachment', filename: 'b' }, { name: 'lossy' }, { name: 'progressive' }],
      page: 2,
      density: 144,
      colorSpace: null,
      delay: null,
    });
  });

  it('is empty for a plan that asks nothing of the encoder', () => {
    expect(outputSettings(parseTransformation('w_100'))).toEqual({
      format: null,
      quality: null,
      flags: [],
      page: null,
      density: null,
      colorSpace: null,
      delay: null,
    });
  });
});

describe('video-only parameters on images', () => {
  it('lists them in canonical form', () => {
    expect(videoOnlyParameters(parseTransformation('w_100,so_2.5/du_20%,vc_h264,fps_24-30,ac_none,br_1m,eo_4'))).toEqual([
      'so_2.5',
      'ac_none',
      'br_1m',
      'du_20p',
      'eo_4',
      'fps_24-30',
      'vc_h264',
    ]);
    expect(videoOnlyParameters(parseTransformation('w_100/a_90'))).toEqual([]);
  });

  it('refuses them with a 400 naming each', () => {
    expect(() => assertImagePlan(parseTransformation('w_100/a_90'))).not.toThrow();
    try {
      assertImagePlan(parseTransformation('w_100,so_2.5/du_10'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 400, message: 'Invalid transformation for an image - video only: so_2.5, du_10' });
    }
  });
});
