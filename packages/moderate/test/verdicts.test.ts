import type { ModerationStep } from '@rendition/protocol';
import { describe, expect, it } from 'vitest';
import {
  awsCategoriesCrossed,
  imageVerdict,
  nsfwClassesCrossed,
  nsfwThresholds,
  videoVerdict,
  type Scores,
  type Verdict,
  type VerdictSettings,
} from '../src/verdicts.ts';

// Expected values follow @rendition/classifiers' mappings: explicit_nudity reads max(porn, hentai),
// suggestive and revealing_clothes read sexy, illustrated_explicit_nudity reads hentai; Rekognition
// labels are answered from 50 % confidence, most confident first; Google's likelihood of
// max(porn, hentai) cuts at 0.1 / 0.3 / 0.5 / 0.8.

type ClassifierStep = Exclude<ModerationStep, { kind: 'manual' } | { kind: 'duplicate' }>;

const settings: VerdictSettings = Object.freeze({ model: 'nsfwjs-test', nsfwThresholds: Object.freeze({ porn: 0.6, hentai: 0.7, sexy: 0.8 }) });
const SETTINGS_THRESHOLDS = { porn: 0.6, hentai: 0.7, sexy: 0.8 };

/** All five classes, zero unless given. */
const scores = (given: Partial<Record<'drawing' | 'hentai' | 'neutral' | 'porn' | 'sexy', number>> = {}): Scores =>
  Object.freeze({ drawing: 0, hentai: 0, neutral: 0, porn: 0, sexy: 0, ...given });

/** Equal values and the same key order (what JSON answers carry). */
function expectVerdict(actual: Verdict, expected: Verdict): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

const awsRek = (thresholds: Extract<ClassifierStep, { kind: 'aws_rek' }>['thresholds'] = {}): ClassifierStep => ({ kind: 'aws_rek', thresholds });
const awsRekVideo = (thresholds: Extract<ClassifierStep, { kind: 'aws_rek_video' }>['thresholds'] = {}): ClassifierStep => ({
  kind: 'aws_rek_video',
  thresholds,
});
const nsfw = (thresholds: Extract<ClassifierStep, { kind: 'rendition_nsfw' }>['thresholds'] = {}): ClassifierStep => ({
  kind: 'rendition_nsfw',
  thresholds,
});
const google = (likelihood: Extract<ClassifierStep, { kind: 'google_video_moderation' }>['likelihood']): ClassifierStep => ({
  kind: 'google_video_moderation',
  likelihood,
});
const WEBPURIFY: ClassifierStep = { kind: 'webpurify' };

/** porn 0.75, hentai 0.5, sexy 0.625: every Rekognition label answered, confidences exact. */
const EXPLICIT = scores({ porn: 0.75, hentai: 0.5, sexy: 0.625, neutral: 0.125 });
const EXPLICIT_LABELS = [
  { confidence: 75, name: 'Explicit Nudity', parent_name: '' },
  { confidence: 62.5, name: 'Suggestive', parent_name: '' },
  { confidence: 62.5, name: 'Revealing Clothes', parent_name: 'Suggestive' },
  { confidence: 50, name: 'Illustrated Explicit Nudity', parent_name: 'Explicit Nudity' },
];
const SAFE = scores({ neutral: 0.75, porn: 0.25, sexy: 0.25 });

describe('awsCategoriesCrossed', () => {
  it.each<[string, Scores, string[]]>([
    ['nothing for zero scores', scores(), []],
    ['explicit_nudity at exactly 0.5 porn', scores({ porn: 0.5 }), ['explicit_nudity']],
    ['nothing just under 0.5', scores({ porn: 0.4999, hentai: 0.4999, sexy: 0.4999 }), []],
    ['explicit_nudity from hentai too', scores({ hentai: 0.5 }), ['explicit_nudity']],
    ['suggestive at exactly 0.5 sexy', scores({ sexy: 0.5 }), ['suggestive']],
    ['both defaults, explicit first', scores({ porn: 0.9, sexy: 0.9 }), ['explicit_nudity', 'suggestive']],
    ['nothing from drawing or neutral', scores({ drawing: 1, neutral: 1 }), []],
  ])('checks the defaults at 0.5: %s', (_, given, crossed) => {
    expect(awsCategoriesCrossed(given, {})).toEqual(crossed);
  });

  it('puts a named threshold in place of the default for that category', () => {
    expect(awsCategoriesCrossed(scores({ porn: 0.8 }), { explicit_nudity: 0.9 })).toEqual([]);
    expect(awsCategoriesCrossed(scores({ porn: 0.9 }), { explicit_nudity: 0.9 })).toEqual(['explicit_nudity']);
    expect(awsCategoriesCrossed(scores({ porn: 0.3 }), { explicit_nudity: 0.3 })).toEqual(['explicit_nudity']);
    expect(awsCategoriesCrossed(scores({ porn: 0.2999 }), { explicit_nudity: 0.3 })).toEqual([]);
  });

  it('keeps the defaults for the categories the parameter does not name', () => {
    expect(awsCategoriesCrossed(scores({ porn: 0.2 }), { nudity: 0.2 })).toEqual(['nudity']);
    expect(awsCategoriesCrossed(scores({ porn: 0.6 }), { nudity: 0.2 })).toEqual(['explicit_nudity', 'nudity']);
    expect(awsCategoriesCrossed(scores({ sexy: 0.5 }), { revealing_clothes: 0.1, suggestive: 0.9 })).toEqual(['revealing_clothes']);
    expect(awsCategoriesCrossed(scores({ sexy: 0.5 }), { nudity: 0.1 })).toEqual(['suggestive']);
  });

  it('reads each named category from its own classes', () => {
    expect(awsCategoriesCrossed(scores({ hentai: 0.3 }), { illustrated_explicit_nudity: 0.3 })).toEqual(['illustrated_explicit_nudity']);
    expect(awsCategoriesCrossed(scores({ porn: 0.9 }), { illustrated_explicit_nudity: 0.3 })).toEqual(['explicit_nudity']);
    expect(awsCategoriesCrossed(scores({ hentai: 0.9 }), { sexual_activity: 0.3 })).toEqual(['explicit_nudity']);
    expect(awsCategoriesCrossed(scores({ sexy: 0.4 }), { female_swimwear_or_underwear: 0.4, male_swimwear_or_underwear: 0.41 })).toEqual([
      'female_swimwear_or_underwear',
    ]);
  });

  it('answers the defaults first, then the named categories in the order given', () => {
    expect(awsCategoriesCrossed(scores({ porn: 0.2, sexy: 0.2 }), { suggestive: 0.1, graphic_male_nudity: 0.1, explicit_nudity: 0.1 })).toEqual([
      'explicit_nudity',
      'suggestive',
      'graphic_male_nudity',
    ]);
  });

  it('does not change the named thresholds it is given', () => {
    const named = Object.freeze({ nudity: 0.2 });
    awsCategoriesCrossed(scores(), named);
    expect(named).toEqual({ nudity: 0.2 });
  });

  it('refuses scores without a class it needs', () => {
    expect(() => awsCategoriesCrossed({ porn: 0.1, sexy: 0.1 }, {})).toThrow(new RangeError('the scores have no label hentai'));
  });
});

describe('nsfwThresholds', () => {
  it('lays the request thresholds over the configured ones', () => {
    expect(nsfwThresholds(settings, { porn: 0.9, drawing: 0.95 })).toEqual({ porn: 0.9, hentai: 0.7, sexy: 0.8, drawing: 0.95 });
    expect(nsfwThresholds(settings, {})).toEqual(SETTINGS_THRESHOLDS);
    expect(nsfwThresholds({ model: 'm', nsfwThresholds: {} }, { sexy: 0.4 })).toEqual({ sexy: 0.4 });
    expect(settings.nsfwThresholds).toEqual(SETTINGS_THRESHOLDS);
  });
});

describe('nsfwClassesCrossed', () => {
  it('rejects at exactly the threshold and not below it', () => {
    expect(nsfwClassesCrossed(scores({ porn: 0.6 }), SETTINGS_THRESHOLDS)).toEqual(['porn']);
    expect(nsfwClassesCrossed(scores({ porn: 0.5999, hentai: 0.6999, sexy: 0.7999 }), SETTINGS_THRESHOLDS)).toEqual([]);
  });

  it('lists the crossed classes in the order of the thresholds, ignoring classes without one', () => {
    expect(nsfwClassesCrossed(scores({ porn: 0.5, sexy: 0.5, neutral: 1 }), { sexy: 0.1, porn: 0.1, hentai: 0.1 })).toEqual(['sexy', 'porn']);
  });

  it('reads a class the scores lack as 0', () => {
    expect(nsfwClassesCrossed({}, { porn: 0 })).toEqual(['porn']);
    expect(nsfwClassesCrossed({}, { porn: 0.01 })).toEqual([]);
  });
});

describe('imageVerdict', () => {
  it('aws_rek rejects on a default category and answers Rekognition labels', () => {
    expectVerdict(imageVerdict(awsRek(), EXPLICIT, settings), {
      status: 'rejected',
      response: { moderation_labels: EXPLICIT_LABELS, moderation_model_version: 'nsfwjs-test' },
    });
  });

  it('aws_rek approves below the thresholds, with the labels still answered', () => {
    expectVerdict(imageVerdict(awsRek(), SAFE, settings), {
      status: 'approved',
      response: { moderation_labels: [], moderation_model_version: 'nsfwjs-test' },
    });
    expectVerdict(imageVerdict(awsRek({ explicit_nudity: 0.8 }), scores({ porn: 0.75 }), settings), {
      status: 'approved',
      response: { moderation_labels: [{ confidence: 75, name: 'Explicit Nudity', parent_name: '' }], moderation_model_version: 'nsfwjs-test' },
    });
  });

  it('aws_rek rejects on a named category under the default', () => {
    expect(imageVerdict(awsRek({ revealing_clothes: 0.2 }), scores({ sexy: 0.25 }), settings).status).toBe('rejected');
    expect(imageVerdict(awsRek({ revealing_clothes: 0.3 }), scores({ sexy: 0.25 }), settings).status).toBe('approved');
  });

  it('webpurify checks the configured thresholds and answers the scores rounded to 4 decimals', () => {
    const given = scores({ drawing: 0.123456, hentai: 0.00004, neutral: 0.5, porn: 0.6, sexy: 0.99995 });
    expectVerdict(imageVerdict(WEBPURIFY, given, settings), {
      status: 'rejected',
      response: { model: 'nsfwjs-test', scores: { drawing: 0.1235, hentai: 0, neutral: 0.5, porn: 0.6, sexy: 1 }, thresholds: SETTINGS_THRESHOLDS },
    });
    expectVerdict(imageVerdict(WEBPURIFY, scores({ porn: 0.12344, sexy: 0.7999 }), settings), {
      status: 'approved',
      response: { model: 'nsfwjs-test', scores: { drawing: 0, hentai: 0, neutral: 0, porn: 0.1234, sexy: 0.7999 }, thresholds: SETTINGS_THRESHOLDS },
    });
  });

  it('rendition_nsfw checks its own thresholds over the configured ones', () => {
    expectVerdict(imageVerdict(nsfw({ porn: 0.9 }), scores({ porn: 0.6 }), settings), {
      status: 'approved',
      response: { model: 'nsfwjs-test', scores: scores({ porn: 0.6 }), thresholds: { porn: 0.9, hentai: 0.7, sexy: 0.8 } },
    });
    expectVerdict(imageVerdict(nsfw({ drawing: 0.5 }), scores({ drawing: 0.5 }), settings), {
      status: 'rejected',
      response: { model: 'nsfwjs-test', scores: scores({ drawing: 0.5 }), thresholds: { porn: 0.6, hentai: 0.7, sexy: 0.8, drawing: 0.5 } },
    });
    expect(imageVerdict(nsfw(), scores({ hentai: 0.7 }), settings).status).toBe('rejected');
    expect(imageVerdict(nsfw(), scores({ hentai: 0.6999 }), settings).status).toBe('approved');
  });

  it('google_video_moderation judges the image as one frame at 0', () => {
    expectVerdict(imageVerdict(google('likely'), scores({ porn: 0.5 }), settings), {
      status: 'rejected',
      response: { moderation_confidence: 'LIKELY', frames: [{ pornography_likelihood: 'LIKELY', time_offset: 0 }] },
    });
  });

  it('aws_rek_video judges the image as one frame at 0', () => {
    expectVerdict(imageVerdict(awsRekVideo(), EXPLICIT, settings), {
      status: 'rejected',
      response: {
        moderation_labels: EXPLICIT_LABELS.map((label) => ({ timestamp: 0, moderation_label: label })),
        moderation_model_version: 'nsfwjs-test',
      },
    });
  });
});

describe('videoVerdict: google_video_moderation', () => {
  // max(porn, hentai): 0.05 VERY_UNLIKELY, 0.3 POSSIBLE, 0.5 LIKELY, 0.85 VERY_LIKELY
  const frames = [
    { timeOffset: 0, scores: scores({ porn: 0.05 }) },
    { timeOffset: 1.5, scores: scores({ porn: 0.5 }) },
    { timeOffset: 3, scores: scores({ hentai: 0.85 }) },
    { timeOffset: 4.25, scores: scores({ porn: 0.3 }) },
  ];

  it.each<[Extract<ClassifierStep, { kind: 'google_video_moderation' }>['likelihood'], string, Array<[string, number]>]>([
    [
      'very_unlikely',
      'VERY_UNLIKELY',
      [
        ['VERY_UNLIKELY', 0],
        ['LIKELY', 1.5],
        ['VERY_LIKELY', 3],
        ['POSSIBLE', 4.25],
      ],
    ],
    [
      'unlikely',
      'UNLIKELY',
      [
        ['LIKELY', 1.5],
        ['VERY_LIKELY', 3],
        ['POSSIBLE', 4.25],
      ],
    ],
    [
      'possible',
      'POSSIBLE',
      [
        ['LIKELY', 1.5],
        ['VERY_LIKELY', 3],
        ['POSSIBLE', 4.25],
      ],
    ],
    [
      'likely',
      'LIKELY',
      [
        ['LIKELY', 1.5],
        ['VERY_LIKELY', 3],
      ],
    ],
    ['very_likely', 'VERY_LIKELY', [['VERY_LIKELY', 3]]],
  ])('from %s lists only the frames at or above the floor', (likelihood, confidence, flagged) => {
    expectVerdict(videoVerdict(google(likelihood), frames, settings), {
      status: 'rejected',
      response: {
        moderation_confidence: confidence,
        frames: flagged.map(([name, offset]) => ({ pornography_likelihood: name, time_offset: offset })),
      },
    });
  });

  it('approves, listing no frame, when every frame is under the floor', () => {
    expectVerdict(videoVerdict(google('likely'), [frames[0]!, frames[3]!, { timeOffset: 5, scores: scores({ porn: 0.4999 }) }], settings), {
      status: 'approved',
      response: { moderation_confidence: 'LIKELY', frames: [] },
    });
    expectVerdict(videoVerdict(google('very_unlikely'), [], settings), {
      status: 'approved',
      response: { moderation_confidence: 'VERY_UNLIKELY', frames: [] },
    });
  });

  it('reads pornography as the larger of porn and hentai, never sexy', () => {
    const at = (given: Scores): unknown => videoVerdict(google('very_unlikely'), [{ timeOffset: 2, scores: given }], settings).response;
    expect(at(scores({ porn: 0.85, hentai: 0.05 }))).toEqual({
      moderation_confidence: 'VERY_UNLIKELY',
      frames: [{ pornography_likelihood: 'VERY_LIKELY', time_offset: 2 }],
    });
    expect(at(scores({ porn: 0.05, hentai: 0.85 }))).toEqual({
      moderation_confidence: 'VERY_UNLIKELY',
      frames: [{ pornography_likelihood: 'VERY_LIKELY', time_offset: 2 }],
    });
    expect(at(scores({ sexy: 1 }))).toEqual({
      moderation_confidence: 'VERY_UNLIKELY',
      frames: [{ pornography_likelihood: 'VERY_UNLIKELY', time_offset: 2 }],
    });
    expect(at({ neutral: 1 })).toEqual({
      moderation_confidence: 'VERY_UNLIKELY',
      frames: [{ pornography_likelihood: 'VERY_UNLIKELY', time_offset: 2 }],
    });
    expect(at({ hentai: 0.1 })).toEqual({ moderation_confidence: 'VERY_UNLIKELY', frames: [{ pornography_likelihood: 'UNLIKELY', time_offset: 2 }] });
    expect(at({ porn: 0.1 })).toEqual({ moderation_confidence: 'VERY_UNLIKELY', frames: [{ pornography_likelihood: 'UNLIKELY', time_offset: 2 }] });
  });
});

describe('videoVerdict: aws_rek_video', () => {
  const frames = [
    { timeOffset: 0, scores: SAFE },
    { timeOffset: 1.2345, scores: EXPLICIT },
    { timeOffset: 2.0006, scores: scores({ sexy: 0.625 }) },
  ];
  const labels = [
    ...EXPLICIT_LABELS.map((label) => ({ timestamp: 1235, moderation_label: label })),
    { timestamp: 2001, moderation_label: { confidence: 62.5, name: 'Suggestive', parent_name: '' } },
    { timestamp: 2001, moderation_label: { confidence: 62.5, name: 'Revealing Clothes', parent_name: 'Suggestive' } },
  ];

  it('answers every frame’s labels with its timestamp in whole milliseconds, and rejects on one frame', () => {
    expectVerdict(videoVerdict(awsRekVideo(), frames, settings), {
      status: 'rejected',
      response: { moderation_labels: labels, moderation_model_version: 'nsfwjs-test' },
    });
  });

  it('approves when no frame reaches its thresholds', () => {
    expectVerdict(videoVerdict(awsRekVideo({ explicit_nudity: 0.8, suggestive: 0.7 }), frames, settings), {
      status: 'approved',
      response: { moderation_labels: labels, moderation_model_version: 'nsfwjs-test' },
    });
    expect(videoVerdict(awsRekVideo({ explicit_nudity: 0.75, suggestive: 0.7 }), frames, settings).status).toBe('rejected');
    expectVerdict(videoVerdict(awsRekVideo(), [], settings), {
      status: 'approved',
      response: { moderation_labels: [], moderation_model_version: 'nsfwjs-test' },
    });
  });

  it('rejects on the last frame alone', () => {
    expect(videoVerdict(awsRekVideo(), [frames[0]!, frames[0]!, frames[2]!], settings).status).toBe('rejected');
    expect(videoVerdict(awsRekVideo(), [frames[0]!, frames[0]!], settings).status).toBe('approved');
  });
});

describe('videoVerdict: rendition_nsfw', () => {
  const frames = [
    { timeOffset: 0, scores: scores({ porn: 0.1, neutral: 0.123456 }) },
    { timeOffset: 2.5, scores: scores({ porn: 0.65 }) },
  ];

  it('answers each frame’s rounded scores and rejects on one frame over a threshold', () => {
    expectVerdict(videoVerdict(nsfw(), frames, settings), {
      status: 'rejected',
      response: {
        model: 'nsfwjs-test',
        frames: [
          { time_offset: 0, scores: scores({ porn: 0.1, neutral: 0.1235 }) },
          { time_offset: 2.5, scores: scores({ porn: 0.65 }) },
        ],
        thresholds: SETTINGS_THRESHOLDS,
      },
    });
  });

  it('approves under its own thresholds', () => {
    expectVerdict(videoVerdict(nsfw({ porn: 0.7 }), frames, settings), {
      status: 'approved',
      response: {
        model: 'nsfwjs-test',
        frames: [
          { time_offset: 0, scores: scores({ porn: 0.1, neutral: 0.1235 }) },
          { time_offset: 2.5, scores: scores({ porn: 0.65 }) },
        ],
        thresholds: { porn: 0.7, hentai: 0.7, sexy: 0.8 },
      },
    });
    expectVerdict(videoVerdict(nsfw(), [], settings), {
      status: 'approved',
      response: { model: 'nsfwjs-test', frames: [], thresholds: SETTINGS_THRESHOLDS },
    });
  });
});

describe('videoVerdict: image kinds', () => {
  it('lets the first frame decide aws_rek', () => {
    expectVerdict(
      videoVerdict(
        awsRek(),
        [
          { timeOffset: 0, scores: SAFE },
          { timeOffset: 1, scores: EXPLICIT },
        ],
        settings,
      ),
      {
        status: 'approved',
        response: { moderation_labels: [], moderation_model_version: 'nsfwjs-test' },
      },
    );
    expect(videoVerdict(awsRek(), [{ timeOffset: 0, scores: EXPLICIT }], settings).status).toBe('rejected');
  });

  it('lets the first frame decide webpurify, and reads no frame as no scores', () => {
    expectVerdict(
      videoVerdict(
        WEBPURIFY,
        [
          { timeOffset: 3, scores: scores({ sexy: 0.8 }) },
          { timeOffset: 4, scores: SAFE },
        ],
        settings,
      ),
      {
        status: 'rejected',
        response: { model: 'nsfwjs-test', scores: scores({ sexy: 0.8 }), thresholds: SETTINGS_THRESHOLDS },
      },
    );
    expectVerdict(videoVerdict(WEBPURIFY, [], settings), {
      status: 'approved',
      response: { model: 'nsfwjs-test', scores: {}, thresholds: SETTINGS_THRESHOLDS },
    });
  });
});
