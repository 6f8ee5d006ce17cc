// The analyses reuse module-level buffers from call to call (pixels.ts `Scratch`): a call must give the
// same answer whatever ran before it, larger or smaller, and the grey view analyzeImage shares must
// give what each analysis computes on its own.
import { describe, expect, it } from 'vitest';
import { colourClusters } from '../../src/analysis/colors.ts';
import { illustrationScore } from '../../src/analysis/companions.ts';
import { perceptualHash } from '../../src/analysis/phash.ts';
import { sharedGreyView } from '../../src/analysis/pixels.ts';
import { analyzeQuality } from '../../src/analysis/quality.ts';
import { noiseSigma } from '../../src/analysis/quality-measures.ts';
import { paint, photoLike } from './analysis-images.ts';

const large = photoLike(200, 150, 30, 7);
const small = photoLike(31, 17, 10, 3);
const translucent = paint(40, 30, (x, y) => [x * 6, y * 8, 90, (x * 13 + y * 7) % 256]);

function everything(pixels: typeof large): unknown {
  const { luma } = sharedGreyView(pixels);
  return {
    clusters: colourClusters(pixels),
    illustration: illustrationScore(pixels),
    noise: noiseSigma(Float32Array.from(luma), pixels.width, pixels.height),
    phash: perceptualHash(pixels),
    quality: analyzeQuality(pixels, 1_000_000),
  };
}

describe('reused buffers', () => {
  it('answer the same after larger, smaller and other images', () => {
    const first = [large, small, translucent].map(everything);
    const again = [translucent, small, large, small].map(everything);
    expect(again).toEqual([first[2], first[1], first[0], first[1]]);
  });

  it('the shared grey view gives what phash and quality compute on their own', () => {
    for (const pixels of [large, translucent]) {
      const grey = sharedGreyView(pixels);
      expect(perceptualHash(pixels, grey)).toBe(perceptualHash(pixels));
      expect(analyzeQuality(pixels, 5000, grey)).toEqual(analyzeQuality(pixels, 5000));
    }
  });
});
