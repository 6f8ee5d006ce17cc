import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import {
  AWS_REK_CATEGORY_NAMES,
  AWS_REK_DEFAULT_CATEGORIES,
  AWS_REK_DEFAULT_THRESHOLD,
  decideModerationEntry,
  entryForManualDecision,
  GOOGLE_DEFAULT_LIKELIHOOD,
  GOOGLE_LIKELIHOODS,
  inapplicableModeration,
  initialModerationEntries,
  invalidModeration,
  isAutomaticModeration,
  MODERATION_KINDS,
  MODERATION_STATUSES,
  moderationAppliesTo,
  nextAutomaticEntry,
  NSFW_LABELS,
  overallModerationStatus,
  parseModeration,
  parseModerationListing,
  readDecisionStatus,
  type ModerationEntry,
  type ModerationStep,
} from './moderation.ts';
import type { ResourceType } from './resource-types.ts';

/** The error `run` throws (undefined when it returns). */
function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** `run` refuses with Cloudinary's 400 and exactly `message`. */
function expect400(run: () => unknown, message: string): void {
  const error = caught(run);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 400, message, expose: true });
}

const AWS_LIST =
  'explicit_nudity, nudity, graphic_male_nudity, graphic_female_nudity, sexual_activity, illustrated_explicit_nudity, suggestive, female_swimwear_or_underwear, male_swimwear_or_underwear, revealing_clothes';
const NSFW_LIST = 'drawing, hentai, neutral, porn, sexy';
const LIKELIHOOD_LIST = 'very_unlikely, unlikely, possible, likely, very_likely';

describe('moderation constants', () => {
  it('lists the statuses, kinds, likelihoods, categories and labels in their documented order', () => {
    expect(MODERATION_STATUSES).toEqual(['pending', 'approved', 'rejected', 'queued', 'aborted']);
    expect(MODERATION_KINDS).toEqual(['manual', 'duplicate', 'aws_rek', 'aws_rek_video', 'google_video_moderation', 'webpurify', 'rendition_nsfw']);
    expect(GOOGLE_LIKELIHOODS).toEqual(['very_unlikely', 'unlikely', 'possible', 'likely', 'very_likely']);
    expect(AWS_REK_CATEGORY_NAMES.join(', ')).toBe(AWS_LIST);
    expect(NSFW_LABELS).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
  });

  it('has Cloudinary defaults: explicit_nudity and suggestive at 0.5, google from likely', () => {
    expect(AWS_REK_DEFAULT_CATEGORIES).toEqual(['explicit_nudity', 'suggestive']);
    expect(AWS_REK_DEFAULT_THRESHOLD).toBe(0.5);
    expect(GOOGLE_DEFAULT_LIKELIHOOD).toBe('likely');
  });

  it('words the invalid-value error as Cloudinary does', () => {
    expect(invalidModeration('auto')).toBe('Moderation auto moderation is not valid');
    expect(invalidModeration('')).toBe('Moderation  moderation is not valid');
  });
});

describe('parseModeration', () => {
  it.each<[string, ModerationStep[]]>([
    ['manual', [{ kind: 'manual' }]],
    [' MANUAL ', [{ kind: 'manual' }]],
    ['webpurify', [{ kind: 'webpurify' }]],
    ['WebPurify', [{ kind: 'webpurify' }]],
    ['aws_rek', [{ kind: 'aws_rek', thresholds: {} }]],
    ['aws_rek_video', [{ kind: 'aws_rek_video', thresholds: {} }]],
    ['rendition_nsfw', [{ kind: 'rendition_nsfw', thresholds: {} }]],
    ['google_video_moderation', [{ kind: 'google_video_moderation', likelihood: 'likely' }]],
    ['Google_Video_Moderation:VERY_UNLIKELY', [{ kind: 'google_video_moderation', likelihood: 'very_unlikely' }]],
    ['google_video_moderation:unlikely', [{ kind: 'google_video_moderation', likelihood: 'unlikely' }]],
    ['google_video_moderation:Possible', [{ kind: 'google_video_moderation', likelihood: 'possible' }]],
    ['google_video_moderation:likely', [{ kind: 'google_video_moderation', likelihood: 'likely' }]],
    ['google_video_moderation:very_likely', [{ kind: 'google_video_moderation', likelihood: 'very_likely' }]],
    ['duplicate:0', [{ kind: 'duplicate', threshold: 0 }]],
    ['duplicate:1', [{ kind: 'duplicate', threshold: 1 }]],
    ['DUPLICATE:0.25', [{ kind: 'duplicate', threshold: 0.25 }]],
    ['duplicate:.75', [{ kind: 'duplicate', threshold: 0.75 }]],
    ['duplicate:1.', [{ kind: 'duplicate', threshold: 1 }]],
    ['duplicate:00.50', [{ kind: 'duplicate', threshold: 0.5 }]],
    ['duplicate:  0.5', [{ kind: 'duplicate', threshold: 0.5 }]],
    ['aws_rek:explicit_nudity:0.7', [{ kind: 'aws_rek', thresholds: { explicit_nudity: 0.7 } }]],
    ['aws_rek:Explicit_Nudity:0.7:SUGGESTIVE:1', [{ kind: 'aws_rek', thresholds: { explicit_nudity: 0.7, suggestive: 1 } }]],
    ['aws_rek:nudity:0.5 :suggestive:0.25', [{ kind: 'aws_rek', thresholds: { nudity: 0.5, suggestive: 0.25 } }]],
    ['aws_rek_video:revealing_clothes:0.01', [{ kind: 'aws_rek_video', thresholds: { revealing_clothes: 0.01 } }]],
    ['rendition_nsfw:porn:0.8:Sexy:0.9', [{ kind: 'rendition_nsfw', thresholds: { porn: 0.8, sexy: 0.9 } }]],
    ['aws_rek|webpurify|manual', [{ kind: 'aws_rek', thresholds: {} }, { kind: 'webpurify' }, { kind: 'manual' }]],
    [' duplicate:0.9 | aws_rek | manual ', [{ kind: 'duplicate', threshold: 0.9 }, { kind: 'aws_rek', thresholds: {} }, { kind: 'manual' }]],
    [
      'aws_rek|aws_rek_video',
      [
        { kind: 'aws_rek', thresholds: {} },
        { kind: 'aws_rek_video', thresholds: {} },
      ],
    ],
    [
      'duplicate:0|aws_rek|aws_rek_video|webpurify|google_video_moderation|rendition_nsfw|manual',
      [
        { kind: 'duplicate', threshold: 0 },
        { kind: 'aws_rek', thresholds: {} },
        { kind: 'aws_rek_video', thresholds: {} },
        { kind: 'webpurify' },
        { kind: 'google_video_moderation', likelihood: 'likely' },
        { kind: 'rendition_nsfw', thresholds: {} },
        { kind: 'manual' },
      ],
    ],
  ])('reads %j', (text, steps) => {
    expect(parseModeration(text)).toEqual(steps);
  });

  it.each(AWS_REK_CATEGORY_NAMES.map((name) => [name]))('takes the aws_rek category %s', (name) => {
    expect(parseModeration(`aws_rek:${name}:0.6`)).toEqual([{ kind: 'aws_rek', thresholds: { [name]: 0.6 } }]);
    expect(parseModeration(`aws_rek_video:${name.toUpperCase()}:0.6`)).toEqual([{ kind: 'aws_rek_video', thresholds: { [name]: 0.6 } }]);
  });

  it.each(NSFW_LABELS.map((label) => [label]))('takes the rendition_nsfw label %s', (label) => {
    expect(parseModeration(`rendition_nsfw:${label}:1`)).toEqual([{ kind: 'rendition_nsfw', thresholds: { [label]: 1 } }]);
  });

  it.each<[string, string]>([
    ['', 'Moderation  moderation is not valid'],
    ['   ', 'Moderation     moderation is not valid'],
    ['manual|', 'Moderation  moderation is not valid'],
    ['|manual', 'Moderation  moderation is not valid'],
    ['auto', 'Moderation auto moderation is not valid'],
    ['constructor|manual', 'Moderation constructor moderation is not valid'],
    ['__proto__', 'Moderation __proto__ moderation is not valid'],
    ['aws_rek|Auto', 'Moderation Auto moderation is not valid'],
    ['aws', 'Moderation aws moderation is not valid'],
    ['manual:x', 'Moderation manual:x moderation is not valid'],
    ['Manual:X', 'Moderation Manual:X moderation is not valid'],
    ['webpurify:', 'Moderation webpurify: moderation is not valid'],
    ['duplicate', 'Moderation duplicate moderation is not valid'],
    ['duplicate:0.5:0.5', 'Moderation duplicate:0.5:0.5 moderation is not valid'],
    ['aws_rek:explicit_nudity', 'Moderation aws_rek:explicit_nudity moderation is not valid'],
    ['aws_rek:explicit_nudity:0.5:suggestive', 'Moderation aws_rek:explicit_nudity:0.5:suggestive moderation is not valid'],
    ['aws_rek_video:', 'Moderation aws_rek_video: moderation is not valid'],
    ['rendition_nsfw:porn', 'Moderation rendition_nsfw:porn moderation is not valid'],
    ['google_video_moderation:likely:x', 'Moderation google_video_moderation:likely:x moderation is not valid'],
  ])('refuses %j as not valid', (text, message) => {
    expect400(() => parseModeration(text), message);
  });

  it.each<[string, string]>([
    ['duplicate:1.5', 'Invalid threshold 1.5 for duplicate in duplicate:1.5: expected a number from 0 up to 1'],
    ['duplicate:1.0001', 'Invalid threshold 1.0001 for duplicate in duplicate:1.0001: expected a number from 0 up to 1'],
    ['duplicate:2', 'Invalid threshold 2 for duplicate in duplicate:2: expected a number from 0 up to 1'],
    ['duplicate:-0.1', 'Invalid threshold -0.1 for duplicate in duplicate:-0.1: expected a number from 0 up to 1'],
    ['duplicate:', 'Invalid threshold  for duplicate in duplicate:: expected a number from 0 up to 1'],
    ['duplicate:.', 'Invalid threshold . for duplicate in duplicate:.: expected a number from 0 up to 1'],
    ['duplicate:+0.5', 'Invalid threshold +0.5 for duplicate in duplicate:+0.5: expected a number from 0 up to 1'],
    ['duplicate:1e-1', 'Invalid threshold 1e-1 for duplicate in duplicate:1e-1: expected a number from 0 up to 1'],
    ['duplicate:0x1', 'Invalid threshold 0x1 for duplicate in duplicate:0x1: expected a number from 0 up to 1'],
    ['duplicate:0.5x', 'Invalid threshold 0.5x for duplicate in duplicate:0.5x: expected a number from 0 up to 1'],
    ['duplicate:Infinity', 'Invalid threshold Infinity for duplicate in duplicate:Infinity: expected a number from 0 up to 1'],
    ['duplicate:0.5 0', 'Invalid threshold 0.5 0 for duplicate in duplicate:0.5 0: expected a number from 0 up to 1'],
    ['aws_rek:nudity:0', 'Invalid threshold 0 for nudity in aws_rek:nudity:0: expected a number above 0 up to 1'],
    ['aws_rek:Nudity:1.5', 'Invalid threshold 1.5 for nudity in aws_rek:Nudity:1.5: expected a number above 0 up to 1'],
    ['aws_rek:nudity:', 'Invalid threshold  for nudity in aws_rek:nudity:: expected a number above 0 up to 1'],
    ['aws_rek_video:suggestive:-1', 'Invalid threshold -1 for suggestive in aws_rek_video:suggestive:-1: expected a number above 0 up to 1'],
    ['rendition_nsfw:porn:0.0', 'Invalid threshold 0.0 for porn in rendition_nsfw:porn:0.0: expected a number above 0 up to 1'],
    ['rendition_nsfw:porn:0.6:sexy:x', 'Invalid threshold x for sexy in rendition_nsfw:porn:0.6:sexy:x: expected a number above 0 up to 1'],
  ])('refuses the threshold in %j', (text, message) => {
    expect400(() => parseModeration(text), message);
  });

  it.each<[string, string]>([
    ['aws_rek:hate_symbols:0.5', `Unknown moderation category hate_symbols in aws_rek:hate_symbols:0.5: expected one of ${AWS_LIST}`],
    ['aws_rek:nudity:0.5:Violence:0.5', `Unknown moderation category Violence in aws_rek:nudity:0.5:Violence:0.5: expected one of ${AWS_LIST}`],
    ['aws_rek_video:porn:0.5', `Unknown moderation category porn in aws_rek_video:porn:0.5: expected one of ${AWS_LIST}`],
    ['aws_rek:0.5:nudity', `Unknown moderation category 0.5 in aws_rek:0.5:nudity: expected one of ${AWS_LIST}`],
    ['rendition_nsfw:gore:0.5', `Unknown moderation category gore in rendition_nsfw:gore:0.5: expected one of ${NSFW_LIST}`],
    [
      'rendition_nsfw:explicit_nudity:0.5',
      `Unknown moderation category explicit_nudity in rendition_nsfw:explicit_nudity:0.5: expected one of ${NSFW_LIST}`,
    ],
    ['aws_rek:nudity:0.5:NUDITY:0.6', 'Moderation category nudity appears more than once in aws_rek:nudity:0.5:NUDITY:0.6'],
    ['rendition_nsfw:porn:0.5:sexy:0.5:porn:0.9', 'Moderation category porn appears more than once in rendition_nsfw:porn:0.5:sexy:0.5:porn:0.9'],
  ])('refuses the categories of %j', (text, message) => {
    expect400(() => parseModeration(text), message);
  });

  it.each<[string, string]>([
    ['google_video_moderation:maybe', `Invalid likelihood maybe in google_video_moderation:maybe: expected one of ${LIKELIHOOD_LIST}`],
    ['google_video_moderation:Maybe', `Invalid likelihood Maybe in google_video_moderation:Maybe: expected one of ${LIKELIHOOD_LIST}`],
    ['google_video_moderation:', `Invalid likelihood  in google_video_moderation:: expected one of ${LIKELIHOOD_LIST}`],
    ['google_video_moderation:0.5', `Invalid likelihood 0.5 in google_video_moderation:0.5: expected one of ${LIKELIHOOD_LIST}`],
  ])('refuses the likelihood in %j', (text, message) => {
    expect400(() => parseModeration(text), message);
  });

  it.each<[string, string]>([
    ['perception_point', 'Perception Point Malware Detection'],
    ['metascan', 'MetaDefender Anti-malware Protection'],
    ['cld', 'Cloudinary AI Moderation'],
    ['CLD', 'Cloudinary AI Moderation'],
    ['metascan:x', 'MetaDefender Anti-malware Protection'],
    ['aws_rek|perception_point|manual', 'Perception Point Malware Detection'],
    ['perception_point|perception_point', 'Perception Point Malware Detection'],
  ])('answers %j with the add-on subscription error', (text, addOn) => {
    expect400(() => parseModeration(text), `You don't have an active subscription for ${addOn}`);
  });

  it('refuses more than 8 kinds before reading any of them', () => {
    const nine = Array.from({ length: 9 }, () => 'bogus').join('|');
    expect400(() => parseModeration(nine), `Moderation ${nine} has more than 8 kinds`);
    expect400(() => parseModeration(` ${nine} `), `Moderation ${nine} has more than 8 kinds`);
  });

  it('counts 8 kinds as not too many (they then repeat one)', () => {
    const eight = 'aws_rek|webpurify|duplicate:0|aws_rek_video|google_video_moderation|rendition_nsfw|manual|manual';
    expect400(() => parseModeration(eight), `Moderation manual appears more than once in ${eight}`);
  });

  it.each<[string, string]>([
    ['aws_rek|aws_rek:nudity:0.5', 'Moderation aws_rek appears more than once in aws_rek|aws_rek:nudity:0.5'],
    ['webpurify|aws_rek|WEBPURIFY', 'Moderation webpurify appears more than once in webpurify|aws_rek|WEBPURIFY'],
    ['aws_rek|webpurify|webpurify|aws_rek', 'Moderation webpurify appears more than once in aws_rek|webpurify|webpurify|aws_rek'],
    ['manual|manual', 'Moderation manual appears more than once in manual|manual'],
    [' duplicate:0 | duplicate:1 ', 'Moderation duplicate appears more than once in duplicate:0 | duplicate:1'],
  ])('refuses the repeated kind in %j', (text, message) => {
    expect400(() => parseModeration(text), message);
  });

  it.each<[string, string]>([
    ['manual|aws_rek', 'Moderation manual must come last in manual|aws_rek'],
    [' manual | webpurify ', 'Moderation manual must come last in manual | webpurify'],
    ['aws_rek|manual|webpurify', 'Moderation manual must come last in aws_rek|manual|webpurify'],
  ])('refuses %j, where manual is not last', (text, message) => {
    expect400(() => parseModeration(text), message);
  });
});

describe('moderationAppliesTo and inapplicableModeration', () => {
  const step = (text: string): ModerationStep => parseModeration(text)[0]!;

  it.each<[string, boolean, boolean, boolean]>([
    ['manual', true, true, true],
    ['duplicate:0.5', true, false, false],
    ['aws_rek', true, false, false],
    ['webpurify', true, false, false],
    ['aws_rek_video', false, true, false],
    ['google_video_moderation', false, true, false],
    ['rendition_nsfw', true, true, false],
  ])('%s applies to image %s, video %s, raw %s', (text, image, video, raw) => {
    expect(moderationAppliesTo(step(text), 'image')).toBe(image);
    expect(moderationAppliesTo(step(text), 'video')).toBe(video);
    expect(moderationAppliesTo(step(text), 'raw')).toBe(raw);
  });

  it.each<[string, ResourceType, string | undefined]>([
    ['aws_rek|manual', 'image', undefined],
    ['rendition_nsfw|webpurify|duplicate:0|manual', 'image', undefined],
    ['google_video_moderation|aws_rek_video|rendition_nsfw|manual', 'video', undefined],
    ['manual', 'raw', undefined],
    ['aws_rek|manual', 'video', 'Moderation aws_rek is not supported for resource type video'],
    ['rendition_nsfw|webpurify|aws_rek', 'video', 'Moderation webpurify is not supported for resource type video'],
    ['aws_rek_video', 'image', 'Moderation aws_rek_video is not supported for resource type image'],
  ])('%s on %s: %j', (text, resourceType, message) => {
    expect(inapplicableModeration(parseModeration(text), resourceType)).toBe(message);
  });

  it('finds nothing to refuse in no steps', () => {
    expect(inapplicableModeration([], 'raw')).toBeUndefined();
  });

  it('names the first step that does not apply to a raw file', () => {
    expect(inapplicableModeration(parseModeration('rendition_nsfw|manual'), 'raw')).toBe(
      'Moderation rendition_nsfw is not supported for resource type raw',
    );
    expect(inapplicableModeration([{ kind: 'manual' }, { kind: 'duplicate', threshold: 0 }], 'raw')).toBe(
      'Moderation duplicate is not supported for resource type raw',
    );
  });
});

describe('isAutomaticModeration', () => {
  it('is true for every kind but manual', () => {
    expect(MODERATION_KINDS.filter((kind) => isAutomaticModeration(kind))).toEqual([
      'duplicate',
      'aws_rek',
      'aws_rek_video',
      'google_video_moderation',
      'webpurify',
      'rendition_nsfw',
    ]);
    expect(isAutomaticModeration('manual')).toBe(false);
  });
});

describe('initialModerationEntries', () => {
  it('makes the first entry pending and queues the rest, with only kind and status', () => {
    expect(initialModerationEntries(parseModeration('aws_rek|webpurify|manual'))).toStrictEqual([
      { kind: 'aws_rek', status: 'pending' },
      { kind: 'webpurify', status: 'queued' },
      { kind: 'manual', status: 'queued' },
    ]);
    expect(initialModerationEntries([{ kind: 'manual' }])).toStrictEqual([{ kind: 'manual', status: 'pending' }]);
    expect(initialModerationEntries([])).toStrictEqual([]);
  });
});

describe('decideModerationEntry', () => {
  const at = new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789));
  const AT = '2024-05-01T12:34:56Z';
  const chain = (...statuses: ModerationEntry['status'][]): readonly ModerationEntry[] => {
    const kinds = ['aws_rek', 'webpurify', 'rendition_nsfw', 'manual'];
    return Object.freeze(statuses.map((status, index) => Object.freeze({ kind: kinds[index]!, status }))) as readonly ModerationEntry[];
  };

  it('approves the pending entry and hands on to the next queued one only', () => {
    const result = decideModerationEntry(chain('pending', 'queued', 'queued'), 0, { status: 'approved', response: { score: 0.1 }, at });
    expect(result).toStrictEqual([
      { kind: 'aws_rek', status: 'approved', response: { score: 0.1 }, updated_at: AT },
      { kind: 'webpurify', status: 'pending' },
      { kind: 'rendition_nsfw', status: 'queued' },
    ]);
  });

  it('writes the keys in Cloudinary order: kind, status, response, updated_at', () => {
    const [decided] = decideModerationEntry(chain('pending'), 0, { status: 'rejected', response: { a: 1 }, at });
    expect(Object.keys(decided!)).toEqual(['kind', 'status', 'response', 'updated_at']);
  });

  it('rejecting aborts every queued entry after it', () => {
    expect(decideModerationEntry(chain('pending', 'queued', 'queued'), 0, { status: 'rejected', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'rejected', updated_at: AT },
      { kind: 'webpurify', status: 'aborted' },
      { kind: 'rendition_nsfw', status: 'aborted' },
    ]);
  });

  it('leaves the queue as it is while the entry stays pending', () => {
    expect(decideModerationEntry(chain('pending', 'queued', 'queued'), 0, { status: 'pending', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'pending', updated_at: AT },
      { kind: 'webpurify', status: 'queued' },
      { kind: 'rendition_nsfw', status: 'queued' },
    ]);
  });

  it('decides an entry in the middle and leaves the earlier ones untouched', () => {
    const entries = Object.freeze([
      Object.freeze({ kind: 'aws_rek', status: 'approved', response: { first: true }, updated_at: '2024-01-01T00:00:00Z' }),
      Object.freeze({ kind: 'webpurify', status: 'pending' }),
      Object.freeze({ kind: 'rendition_nsfw', status: 'queued' }),
      Object.freeze({ kind: 'manual', status: 'queued' }),
    ]) as readonly ModerationEntry[];
    const approved = decideModerationEntry(entries, 1, { status: 'approved', at });
    expect(approved[0]).toBe(entries[0]);
    expect(approved).toStrictEqual([
      entries[0],
      { kind: 'webpurify', status: 'approved', updated_at: AT },
      { kind: 'rendition_nsfw', status: 'pending' },
      { kind: 'manual', status: 'queued' },
    ]);
    expect(decideModerationEntry(entries, 1, { status: 'rejected', at })).toStrictEqual([
      entries[0],
      { kind: 'webpurify', status: 'rejected', updated_at: AT },
      { kind: 'rendition_nsfw', status: 'aborted' },
      { kind: 'manual', status: 'aborted' },
    ]);
  });

  it('never touches a queued entry before the decided one', () => {
    expect(decideModerationEntry(chain('queued', 'pending', 'queued'), 1, { status: 'rejected', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'queued' },
      { kind: 'webpurify', status: 'rejected', updated_at: AT },
      { kind: 'rendition_nsfw', status: 'aborted' },
    ]);
    expect(decideModerationEntry(chain('queued', 'pending', 'queued'), 1, { status: 'approved', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'queued' },
      { kind: 'webpurify', status: 'approved', updated_at: AT },
      { kind: 'rendition_nsfw', status: 'pending' },
    ]);
  });

  it('only changes later entries that are still queued', () => {
    const entries = chain('approved', 'approved', 'aborted', 'pending');
    expect(decideModerationEntry(entries, 0, { status: 'rejected', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'rejected', updated_at: AT },
      { kind: 'webpurify', status: 'approved' },
      { kind: 'rendition_nsfw', status: 'aborted' },
      { kind: 'manual', status: 'pending' },
    ]);
    expect(decideModerationEntry(entries, 1, { status: 'approved', at })).toStrictEqual([
      { kind: 'aws_rek', status: 'approved' },
      { kind: 'webpurify', status: 'approved', updated_at: AT },
      { kind: 'rendition_nsfw', status: 'aborted' },
      { kind: 'manual', status: 'pending' },
    ]);
    const result = decideModerationEntry(entries, 0, { status: 'approved', at });
    expect(result[1]).toBe(entries[1]);
    expect(result[3]).toBe(entries[3]);
  });

  it('keeps the current response when the decision brings none, and replaces it when it does', () => {
    const entries = Object.freeze([Object.freeze({ kind: 'manual', status: 'pending', response: { note: 'old' } })]) as readonly ModerationEntry[];
    expect(decideModerationEntry(entries, 0, { status: 'approved', at })).toStrictEqual([
      { kind: 'manual', status: 'approved', response: { note: 'old' }, updated_at: AT },
    ]);
    expect(decideModerationEntry(entries, 0, { status: 'rejected', response: { note: 'new' }, at })).toStrictEqual([
      { kind: 'manual', status: 'rejected', response: { note: 'new' }, updated_at: AT },
    ]);
    const [bare] = decideModerationEntry(chain('pending'), 0, { status: 'approved', at });
    expect(Object.keys(bare!)).toEqual(['kind', 'status', 'updated_at']);
  });

  it('drops the milliseconds of updated_at and keeps the Z', () => {
    const whole = new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 0));
    expect(decideModerationEntry(chain('pending'), 0, { status: 'approved', at: whole })[0]!.updated_at).toBe('2023-12-31T23:59:59Z');
    const late = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 999));
    expect(decideModerationEntry(chain('pending'), 0, { status: 'approved', at: late })[0]!.updated_at).toBe('2025-01-02T03:04:05Z');
  });

  it('throws a RangeError for an entry that does not exist', () => {
    expect(() => decideModerationEntry(chain('pending'), 1, { status: 'approved', at })).toThrow(new RangeError('no moderation entry 1'));
    expect(() => decideModerationEntry(chain('pending'), -1, { status: 'approved', at })).toThrow(new RangeError('no moderation entry -1'));
    expect(() => decideModerationEntry([], 0, { status: 'approved', at })).toThrow(RangeError);
  });
});

describe('nextAutomaticEntry', () => {
  it.each<[string, ModerationEntry[], number | undefined]>([
    [
      'the first pending',
      [
        { kind: 'aws_rek', status: 'pending' },
        { kind: 'manual', status: 'queued' },
      ],
      0,
    ],
    [
      'a pending one later in the chain',
      [
        { kind: 'aws_rek', status: 'approved' },
        { kind: 'webpurify', status: 'pending' },
        { kind: 'manual', status: 'queued' },
      ],
      1,
    ],
    [
      'the first of two pending ones',
      [
        { kind: 'aws_rek', status: 'pending' },
        { kind: 'webpurify', status: 'pending' },
      ],
      0,
    ],
    [
      'none for a pending manual entry',
      [
        { kind: 'aws_rek', status: 'approved' },
        { kind: 'manual', status: 'pending' },
      ],
      undefined,
    ],
    [
      'none when nothing is pending',
      [
        { kind: 'aws_rek', status: 'approved' },
        { kind: 'webpurify', status: 'approved' },
      ],
      undefined,
    ],
    [
      'none after a rejection',
      [
        { kind: 'aws_rek', status: 'rejected' },
        { kind: 'webpurify', status: 'aborted' },
      ],
      undefined,
    ],
    ['none for a queued one', [{ kind: 'aws_rek', status: 'queued' }], undefined],
    ['none for no entries', [], undefined],
  ])('%s', (_, entries, index) => {
    expect(nextAutomaticEntry(entries)).toBe(index);
  });
});

describe('entryForManualDecision', () => {
  it.each<[string, ModerationEntry['status'][], number | undefined]>([
    ['the waiting manual entry', ['approved', 'pending'], 1],
    ['the pending first entry', ['pending', 'queued'], 0],
    ['the rejected entry, not the aborted ones', ['rejected', 'aborted', 'aborted'], 0],
    ['the last decided entry', ['approved', 'approved'], 1],
    ['the entry in the middle', ['approved', 'pending', 'queued'], 1],
    ['none of queued entries', ['queued'], undefined],
    ['none of aborted entries', ['aborted', 'aborted'], undefined],
    ['none of no entries', [], undefined],
  ])('%s', (_, statuses, index) => {
    expect(entryForManualDecision(statuses.map((status) => ({ kind: 'manual', status })))).toBe(index);
  });
});

describe('overallModerationStatus', () => {
  it.each<[ModerationEntry['status'][] | null | undefined, 'pending' | 'approved' | 'rejected' | null]>([
    [null, null],
    [undefined, null],
    [[], null],
    [['rejected'], 'rejected'],
    [['approved', 'rejected'], 'rejected'],
    [['pending', 'rejected'], 'rejected'],
    [['rejected', 'queued'], 'rejected'],
    [['pending'], 'pending'],
    [['approved', 'pending'], 'pending'],
    [['approved', 'queued'], 'pending'],
    [['queued'], 'pending'],
    [['approved'], 'approved'],
    [['approved', 'approved'], 'approved'],
    [['approved', 'aborted'], 'approved'],
  ])('%j → %j', (statuses, status) => {
    const entries = statuses ? statuses.map((entry): ModerationEntry => ({ kind: 'manual', status: entry })) : statuses;
    expect(overallModerationStatus(entries)).toBe(status);
  });
});

describe('readDecisionStatus', () => {
  it.each([
    ['approved', 'approved'],
    ['rejected', 'rejected'],
    ['pending', 'pending'],
    [' Rejected ', 'rejected'],
    ['APPROVED', 'approved'],
  ])('reads %j', (text, status) => {
    expect(readDecisionStatus(text)).toBe(status);
  });

  it.each([
    ['queued', 'Invalid moderation_status queued: expected approved, rejected or pending'],
    ['aborted', 'Invalid moderation_status aborted: expected approved, rejected or pending'],
    [' Nope ', 'Invalid moderation_status  Nope : expected approved, rejected or pending'],
    ['', 'Invalid moderation_status : expected approved, rejected or pending'],
  ])('refuses %j', (text, message) => {
    expect400(() => readDecisionStatus(text), message);
  });
});

describe('parseModerationListing', () => {
  it.each(MODERATION_KINDS.flatMap((kind) => MODERATION_STATUSES.map((status) => [kind, status])))('reads %s/%s', (kind, status) => {
    expect(parseModerationListing(kind, status)).toStrictEqual({ kind, status });
  });

  it.each([
    ['Manual', 'pending', 'Invalid moderation kind Manual'],
    ['perception_point', 'pending', 'Invalid moderation kind perception_point'],
    ['bogus', 'bogus', 'Invalid moderation kind bogus'],
    ['', 'approved', 'Invalid moderation kind '],
    ['manual', 'Pending', 'Invalid moderation status Pending'],
    ['aws_rek', 'all', 'Invalid moderation status all'],
    ['webpurify', '', 'Invalid moderation status '],
  ])('refuses %s/%s', (kind, status, message) => {
    expect400(() => parseModerationListing(kind, status), message);
  });
});
