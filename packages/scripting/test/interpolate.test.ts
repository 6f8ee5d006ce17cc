import { describe, expect, it } from 'vitest';
import { interpolateResourceInfo } from '../src/index.ts';

const INFO = {
  width: 241,
  grayscale: false,
  quality_score: 0.87,
  format: 'png',
  quality_analysis: { focus: 0.5, resolution: 1.2 },
  colors: [
    ['#FFFFFF', 60.2],
    ['#000000', 39.8],
  ],
  empty: null,
};

describe('interpolateResourceInfo', () => {
  it('substitutes paths with numbers and booleans as text', () => {
    expect(interpolateResourceInfo('${resource_info.quality_score}', INFO)).toBe('0.87');
    expect(interpolateResourceInfo('quality = ${resource_info.quality_score} | resolution = ${resource_info.quality_analysis.resolution}', INFO)).toBe(
      'quality = 0.87 | resolution = 1.2',
    );
    expect(interpolateResourceInfo('w${resource_info.width},g=${resource_info.grayscale},${resource_info.format}', INFO)).toBe('w241,g=false,png');
  });

  it('follows indexes and quoted names; spaces inside the braces are allowed', () => {
    expect(interpolateResourceInfo('${resource_info.colors[0][0]}', INFO)).toBe('#FFFFFF');
    expect(interpolateResourceInfo('${ resource_info["quality_analysis"][\'focus\'] }', INFO)).toBe('0.5');
  });

  it('gives objects as JSON, and a missing path, null or an inherited property as empty text', () => {
    expect(interpolateResourceInfo('${resource_info.quality_analysis}', INFO)).toBe('{"focus":0.5,"resolution":1.2}');
    expect(
      interpolateResourceInfo(
        '[${resource_info.nope.deeper}][${resource_info.empty}][${resource_info.constructor}][${resource_info.width.toString}]',
        INFO,
      ),
    ).toBe('[][][][]');
  });

  it('leaves other text alone', () => {
    expect(interpolateResourceInfo('plain, $ {resource_info.width}, ${other.width}, ${resource_info}, ${resource_info.}', INFO)).toBe(
      'plain, $ {resource_info.width}, ${other.width}, ${resource_info}, ${resource_info.}',
    );
  });
});
