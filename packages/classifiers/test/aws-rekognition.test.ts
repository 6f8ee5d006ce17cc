import { describe, expect, it } from 'vitest';
import { AWS_REK_CATEGORIES, awsRekognitionLabels, categoryScore, DEFAULT_MIN_CONFIDENCE } from '../src/aws-rekognition.ts';

/** Scores with every nsfwjs class, the given ones set and the rest 0. */
const scores = (set: Partial<Record<'drawing' | 'hentai' | 'neutral' | 'porn' | 'sexy', number>>): Record<string, number> => ({
  drawing: 0,
  hentai: 0,
  neutral: 0,
  porn: 0,
  sexy: 0,
  ...set,
});

describe('AWS_REK_CATEGORIES', () => {
  it('maps exactly the categories aws_rek:<category>:<threshold> accepts to their nsfwjs classes', () => {
    expect(AWS_REK_CATEGORIES).toEqual({
      explicit_nudity: ['porn', 'hentai'],
      nudity: ['porn'],
      graphic_male_nudity: ['porn'],
      graphic_female_nudity: ['porn'],
      sexual_activity: ['porn'],
      illustrated_explicit_nudity: ['hentai'],
      suggestive: ['sexy'],
      female_swimwear_or_underwear: ['sexy'],
      male_swimwear_or_underwear: ['sexy'],
      revealing_clothes: ['sexy'],
    });
    expect(Object.isFrozen(AWS_REK_CATEGORIES)).toBe(true);
  });
});

describe('categoryScore', () => {
  it('takes the most probable of the classes that feed a category', () => {
    expect(categoryScore(scores({ porn: 0.3, hentai: 0.6 }), 'explicit_nudity')).toBe(0.6);
    expect(categoryScore(scores({ porn: 0.7, hentai: 0.2 }), 'explicit_nudity')).toBe(0.7);
  });

  it('reads each category from its own classes only', () => {
    const mixed = scores({ drawing: 0.05, hentai: 0.2, neutral: 0.1, porn: 0.3, sexy: 0.35 });
    const expected: Record<string, number> = {
      explicit_nudity: 0.3,
      nudity: 0.3,
      graphic_male_nudity: 0.3,
      graphic_female_nudity: 0.3,
      sexual_activity: 0.3,
      illustrated_explicit_nudity: 0.2,
      suggestive: 0.35,
      female_swimwear_or_underwear: 0.35,
      male_swimwear_or_underwear: 0.35,
      revealing_clothes: 0.35,
    };
    for (const category of Object.keys(AWS_REK_CATEGORIES)) expect([category, categoryScore(mixed, category)]).toEqual([category, expected[category]]);
  });

  it('refuses a category it does not know, inherited names included', () => {
    expect(() => categoryScore(scores({}), 'violence')).toThrow(RangeError);
    expect(() => categoryScore(scores({}), 'toString')).toThrow(/unknown aws_rek category toString/);
    expect(() => categoryScore(scores({}), 'Explicit_Nudity')).toThrow(RangeError);
  });

  it('refuses scores without a class it needs instead of reading it as 0', () => {
    expect(() => categoryScore({ porn: 0.9 }, 'explicit_nudity')).toThrow(/no label hentai/);
  });

  it('refuses scores that are not probabilities', () => {
    expect(() => categoryScore(scores({ sexy: Number.NaN }), 'suggestive')).toThrow(RangeError);
    expect(() => categoryScore(scores({ sexy: 60 }), 'suggestive')).toThrow(RangeError);
    expect(() => categoryScore(scores({ sexy: -0.1 }), 'suggestive')).toThrow(RangeError);
  });

  it('clamps a float32 rounding overshoot into 0..1', () => {
    expect(categoryScore(scores({ sexy: 1.0000001 }), 'suggestive')).toBe(1);
    expect(categoryScore(scores({ sexy: -0.0000001 }), 'suggestive')).toBe(0);
  });
});

describe('awsRekognitionLabels', () => {
  it('lists nothing for a neutral image', () => {
    expect(awsRekognitionLabels(scores({ neutral: 0.97, drawing: 0.03 }))).toEqual([]);
  });

  it('answers porn as Explicit Nudity alone, in percent', () => {
    expect(awsRekognitionLabels(scores({ porn: 0.9, neutral: 0.1 }))).toEqual([{ confidence: 90, name: 'Explicit Nudity', parent_name: '' }]);
  });

  it('answers hentai as Explicit Nudity and its child Illustrated Explicit Nudity, parent first', () => {
    expect(awsRekognitionLabels(scores({ hentai: 0.75, drawing: 0.25 }))).toEqual([
      { confidence: 75, name: 'Explicit Nudity', parent_name: '' },
      { confidence: 75, name: 'Illustrated Explicit Nudity', parent_name: 'Explicit Nudity' },
    ]);
  });

  it('gives Explicit Nudity the higher of porn and hentai, and the child hentai only', () => {
    expect(awsRekognitionLabels(scores({ porn: 0.375, hentai: 0.625 }), 30)).toEqual([
      { confidence: 62.5, name: 'Explicit Nudity', parent_name: '' },
      { confidence: 62.5, name: 'Illustrated Explicit Nudity', parent_name: 'Explicit Nudity' },
    ]);
    expect(awsRekognitionLabels(scores({ porn: 0.625, hentai: 0.375 }), 30)).toEqual([
      { confidence: 62.5, name: 'Explicit Nudity', parent_name: '' },
      { confidence: 37.5, name: 'Illustrated Explicit Nudity', parent_name: 'Explicit Nudity' },
    ]);
  });

  it('answers sexy as Suggestive and its child Revealing Clothes', () => {
    expect(awsRekognitionLabels(scores({ sexy: 0.8, neutral: 0.2 }))).toEqual([
      { confidence: 80, name: 'Suggestive', parent_name: '' },
      { confidence: 80, name: 'Revealing Clothes', parent_name: 'Suggestive' },
    ]);
  });

  it('orders every label by confidence, highest first', () => {
    const labels = awsRekognitionLabels(scores({ porn: 0.1, hentai: 0.2, sexy: 0.7 }), 0);
    expect(labels.map((label) => [label.name, label.confidence])).toEqual([
      ['Suggestive', 70],
      ['Revealing Clothes', 70],
      ['Explicit Nudity', 20],
      ['Illustrated Explicit Nudity', 20],
    ]);
    const reversed = awsRekognitionLabels(scores({ porn: 0.7, hentai: 0.1, sexy: 0.2 }), 0);
    expect(reversed.map((label) => [label.name, label.confidence])).toEqual([
      ['Explicit Nudity', 70],
      ['Suggestive', 20],
      ['Revealing Clothes', 20],
      ['Illustrated Explicit Nudity', 10],
    ]);
  });

  it('lists a label at exactly minConfidence and leaves out one just below', () => {
    expect(DEFAULT_MIN_CONFIDENCE).toBe(50);
    expect(awsRekognitionLabels(scores({ sexy: 0.5 })).map((label) => label.name)).toEqual(['Suggestive', 'Revealing Clothes']);
    expect(awsRekognitionLabels(scores({ sexy: 0.4999 }))).toEqual([]);
    expect(awsRekognitionLabels(scores({ porn: 0.25 }), 25).map((label) => label.name)).toEqual(['Explicit Nudity']);
    expect(awsRekognitionLabels(scores({ porn: 0.25 }), 25.01)).toEqual([]);
  });

  it('filters each label on its own confidence', () => {
    // Explicit Nudity (porn 0.6) passes 50; its child from hentai (0.45) does not.
    expect(awsRekognitionLabels(scores({ porn: 0.6, hentai: 0.45 })).map((label) => label.name)).toEqual(['Explicit Nudity']);
  });

  it('lists every label at minConfidence 0, none at 100 unless certain', () => {
    expect(awsRekognitionLabels(scores({ neutral: 1 }), 0)).toHaveLength(4);
    expect(awsRekognitionLabels(scores({ porn: 0.999 }), 100)).toEqual([]);
    expect(awsRekognitionLabels(scores({ porn: 1 }), 100)).toEqual([{ confidence: 100, name: 'Explicit Nudity', parent_name: '' }]);
  });

  it('refuses a minConfidence outside 0..100', () => {
    for (const bad of [-1, 100.5, Number.NaN]) expect(() => awsRekognitionLabels(scores({}), bad)).toThrow(RangeError);
  });

  it('refuses scores without the classes it reads', () => {
    expect(() => awsRekognitionLabels({ neutral: 1 })).toThrow(RangeError);
  });
});
