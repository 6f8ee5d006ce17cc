import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { canonicalString } from './canonical.ts';
import { assertImagePlan, videoOnlyParameters } from './output-settings.ts';
import { UNSUPPORTED_KEYS } from './parse-parameter.ts';
import { parseTransformation } from './parse-transformation.ts';
import type { VideoOnlyParams } from './plan.ts';

const canonical = (text: string): string => canonicalString(parseTransformation(text));
const video = (text: string): VideoOnlyParams | undefined => parseTransformation(text).components[0]!.videoOnly;

describe('video parameters: typed values, canonical form and round trip', () => {
  it.each<[string, string, VideoOnlyParams]>([
    // vc_: codec[:profile[:level]]
    ['vc_auto', 'vc_auto', { videoCodec: { kind: 'auto' } }],
    ['vc_none', 'vc_none', { videoCodec: { kind: 'none' } }],
    ['vc_h264', 'vc_h264', { videoCodec: { kind: 'codec', codec: 'h264', profile: null, level: null } }],
    ['vc_h264:baseline', 'vc_h264:baseline', { videoCodec: { kind: 'codec', codec: 'h264', profile: 'baseline', level: null } }],
    ['vc_h264:baseline:3.1', 'vc_h264:baseline:3.1', { videoCodec: { kind: 'codec', codec: 'h264', profile: 'baseline', level: '3.1' } }],
    ['vc_h264:main:3.0', 'vc_h264:main:3.0', { videoCodec: { kind: 'codec', codec: 'h264', profile: 'main', level: '3.0' } }],
    ['vc_h264:high:4.0', 'vc_h264:high:4.0', { videoCodec: { kind: 'codec', codec: 'h264', profile: 'high', level: '4.0' } }],
    ['vc_h264:high:5.1', 'vc_h264:high:5.1', { videoCodec: { kind: 'codec', codec: 'h264', profile: 'high', level: '5.1' } }],
    ['vc_h265', 'vc_h265', { videoCodec: { kind: 'codec', codec: 'h265', profile: null, level: null } }],
    ['vc_h265:main:4.1', 'vc_h265:main:4.1', { videoCodec: { kind: 'codec', codec: 'h265', profile: 'main', level: '4.1' } }],
    ['vc_vp8', 'vc_vp8', { videoCodec: { kind: 'codec', codec: 'vp8', profile: null, level: null } }],
    ['vc_vp9', 'vc_vp9', { videoCodec: { kind: 'codec', codec: 'vp9', profile: null, level: null } }],
    ['vc_theora', 'vc_theora', { videoCodec: { kind: 'codec', codec: 'theora', profile: null, level: null } }],
    ['vc_prores', 'vc_prores', { videoCodec: { kind: 'codec', codec: 'prores', profile: null, level: null } }],
    // ac_
    ...(['aac', 'mp3', 'opus', 'vorbis', 'none'] as const).map((codec): [string, string, VideoOnlyParams] => [
      `ac_${codec}`,
      `ac_${codec}`,
      { audioCodec: codec },
    ]),
    // af_
    ...[8000, 11025, 16000, 22050, 32000, 37800, 44056, 44100, 47250, 48000, 88200, 96000, 176400, 192000].map(
      (hertz): [string, string, VideoOnlyParams] => [`af_${hertz}`, `af_${hertz}`, { audioFrequency: { kind: 'hertz', value: hertz } }],
    ),
    ['af_044100', 'af_44100', { audioFrequency: { kind: 'hertz', value: 44100 } }],
    ['af_iaf', 'af_iaf', { audioFrequency: { kind: 'original' } }],
    // br_: one spelling per rate, the shortest exact one
    ['br_500k', 'br_500k', { bitRate: { bitsPerSecond: 500_000, constant: false } }],
    ['br_500000', 'br_500k', { bitRate: { bitsPerSecond: 500_000, constant: false } }],
    ['br_2m', 'br_2m', { bitRate: { bitsPerSecond: 2_000_000, constant: false } }],
    ['br_2000k', 'br_2m', { bitRate: { bitsPerSecond: 2_000_000, constant: false } }],
    ['br_1.5m', 'br_1500k', { bitRate: { bitsPerSecond: 1_500_000, constant: false } }],
    ['br_1.1m', 'br_1100k', { bitRate: { bitsPerSecond: 1_100_000, constant: false } }],
    ['br_2.0m', 'br_2m', { bitRate: { bitsPerSecond: 2_000_000, constant: false } }],
    ['br_500001', 'br_500001', { bitRate: { bitsPerSecond: 500_001, constant: false } }],
    ['br_500', 'br_500', { bitRate: { bitsPerSecond: 500, constant: false } }],
    ['br_500:constant', 'br_500:constant', { bitRate: { bitsPerSecond: 500, constant: true } }],
    ['br_2m:constant', 'br_2m:constant', { bitRate: { bitsPerSecond: 2_000_000, constant: true } }],
    ['br_1.25m', 'br_1250k', { bitRate: { bitsPerSecond: 1_250_000, constant: false } }],
    ['br_1.5000k', 'br_1500', { bitRate: { bitsPerSecond: 1_500, constant: false } }],
    ['br_1', 'br_1', { bitRate: { bitsPerSecond: 1, constant: false } }],
    ['br_1000000m', 'br_1000000m', { bitRate: { bitsPerSecond: 1e12, constant: false } }],
    // fps_
    ['fps_15', 'fps_15', { fps: { min: 15, max: 15 } }],
    ['fps_29.97', 'fps_29.97', { fps: { min: 29.97, max: 29.97 } }],
    ['fps_20-30', 'fps_20-30', { fps: { min: 20, max: 30 } }],
    ['fps_20-20', 'fps_20', { fps: { min: 20, max: 20 } }],
    ['fps_20-', 'fps_20-', { fps: { min: 20, max: null } }],
    ['fps_23.976-30.0', 'fps_23.976-30', { fps: { min: 23.976, max: 30 } }],
    // ki_
    ['ki_0.4', 'ki_0.4', { keyframeInterval: 0.4 }],
    ['ki_10', 'ki_10', { keyframeInterval: 10 }],
    ['ki_2.50', 'ki_2.5', { keyframeInterval: 2.5 }],
    // so_/eo_/du_
    ['so_2', 'so_2', { startOffset: { kind: 'seconds', value: 2 } }],
    ['so_4.5', 'so_4.5', { startOffset: { kind: 'seconds', value: 4.5 } }],
    ['so_10p', 'so_10p', { startOffset: { kind: 'percent', value: 10 } }],
    ['so_30%', 'so_30p', { startOffset: { kind: 'percent', value: 30 } }],
    ['so_auto', 'so_auto', { startOffset: { kind: 'auto' } }],
    ['eo_4.5', 'eo_4.5', { endOffset: { kind: 'seconds', value: 4.5 } }],
    ['eo_90%', 'eo_90p', { endOffset: { kind: 'percent', value: 90 } }],
    ['du_2', 'du_2', { duration: { kind: 'seconds', value: 2 } }],
    ['du_10p', 'du_10p', { duration: { kind: 'percent', value: 10 } }],
    // vs_
    ['vs_4s', 'vs_4s', { videoSampling: { kind: 'seconds', value: 4 } }],
    ['vs_2.50s', 'vs_2.5s', { videoSampling: { kind: 'seconds', value: 2.5 } }],
    ['vs_10', 'vs_10', { videoSampling: { kind: 'frames', value: 10 } }],
    ['vs_010', 'vs_10', { videoSampling: { kind: 'frames', value: 10 } }],
    // sp_
    ['sp_auto', 'sp_auto', { streamingProfile: 'auto' }],
    ['sp_full_hd_wifi', 'sp_full_hd_wifi', { streamingProfile: 'full_hd_wifi' }],
    ['sp_4k', 'sp_4k', { streamingProfile: '4k' }],
    [`sp_${'a'.repeat(64)}`, `sp_${'a'.repeat(64)}`, { streamingProfile: 'a'.repeat(64) }],
    // video effects; the canonical form omits defaults
    ['e_volume:50', 'e_volume:50', { effect: { name: 'volume', volume: { kind: 'percent', value: 50 } } }],
    ['e_volume:-100', 'e_volume:-100', { effect: { name: 'volume', volume: { kind: 'percent', value: -100 } } }],
    ['e_volume:400', 'e_volume:400', { effect: { name: 'volume', volume: { kind: 'percent', value: 400 } } }],
    ['e_volume:0', 'e_volume', { effect: { name: 'volume', volume: { kind: 'percent', value: 0 } } }],
    ['e_volume', 'e_volume', { effect: { name: 'volume', volume: { kind: 'percent', value: 0 } } }],
    ['e_volume:5db', 'e_volume:5db', { effect: { name: 'volume', volume: { kind: 'decibels', value: 5 } } }],
    ['e_volume:-50db', 'e_volume:-50db', { effect: { name: 'volume', volume: { kind: 'decibels', value: -50 } } }],
    ['e_volume:0db', 'e_volume', { effect: { name: 'volume', volume: { kind: 'percent', value: 0 } } }],
    ['e_volume:mute', 'e_volume:mute', { effect: { name: 'volume', volume: { kind: 'mute' } } }],
    ['e_reverse', 'e_reverse', { effect: { name: 'reverse' } }],
    ['e_boomerang', 'e_boomerang', { effect: { name: 'boomerang' } }],
    ['e_accelerate', 'e_accelerate', { effect: { name: 'accelerate', value: 100 } }],
    ['e_accelerate:100', 'e_accelerate', { effect: { name: 'accelerate', value: 100 } }],
    ['e_accelerate:-50', 'e_accelerate:-50', { effect: { name: 'accelerate', value: -50 } }],
    ['e_accelerate:-0', 'e_accelerate:0', { effect: { name: 'accelerate', value: 0 } }],
    ['e_loop', 'e_loop', { effect: { name: 'loop', value: 1 } }],
    ['e_loop:1', 'e_loop', { effect: { name: 'loop', value: 1 } }],
    ['e_loop:100', 'e_loop:100', { effect: { name: 'loop', value: 100 } }],
    ['e_fade', 'e_fade', { effect: { name: 'fade', value: 2000 } }],
    ['e_fade:2000', 'e_fade', { effect: { name: 'fade', value: 2000 } }],
    ['e_fade:500', 'e_fade:500', { effect: { name: 'fade', value: 500 } }],
    ['e_fade:-3000', 'e_fade:-3000', { effect: { name: 'fade', value: -3000 } }],
    ['e_preview', 'e_preview', { effect: { name: 'preview', duration: 5, maxSegments: 3, minSegmentDuration: 1 } }],
    ['e_preview:duration_5:max_seg_3:min_seg_dur_1', 'e_preview', { effect: { name: 'preview', duration: 5, maxSegments: 3, minSegmentDuration: 1 } }],
    [
      'e_preview:min_seg_dur_2.0:duration_12',
      'e_preview:duration_12:min_seg_dur_2',
      { effect: { name: 'preview', duration: 12, maxSegments: 3, minSegmentDuration: 2 } },
    ],
    ['e_preview:max_seg_5', 'e_preview:max_seg_5', { effect: { name: 'preview', duration: 5, maxSegments: 5, minSegmentDuration: 1 } }],
    ['e_preview:max_seg_1', 'e_preview:max_seg_1', { effect: { name: 'preview', duration: 5, maxSegments: 1, minSegmentDuration: 1 } }],
    ['e_preview:max_seg_100', 'e_preview:max_seg_100', { effect: { name: 'preview', duration: 5, maxSegments: 100, minSegmentDuration: 1 } }],
    ['e_preview:duration_7.25', 'e_preview:duration_7.25', { effect: { name: 'preview', duration: 7.25, maxSegments: 3, minSegmentDuration: 1 } }],
    [
      'e_preview:duration_7.5:max_seg_2:min_seg_dur_0.5',
      'e_preview:duration_7.5:max_seg_2:min_seg_dur_0.5',
      { effect: { name: 'preview', duration: 7.5, maxSegments: 2, minSegmentDuration: 0.5 } },
    ],
  ])('%s → %s', (text, want, params) => {
    const plan = parseTransformation(text);
    expect(plan.components[0]!.videoOnly).toStrictEqual(params);
    expect(canonicalString(plan)).toBe(want);
    expect(parseTransformation(canonicalString(plan))).toStrictEqual(plan);
  });

  it.each<['h264' | 'h265', string, string[]]>([
    [
      'h264',
      'high',
      ['1.0', '1.1', '1.2', '1.3', '2.0', '2.1', '2.2', '3.0', '3.1', '3.2', '4.0', '4.1', '4.2', '5.0', '5.1', '5.2', '6.0', '6.1', '6.2'],
    ],
    ['h265', 'main', ['1.0', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '5.2', '6.0', '6.1', '6.2']],
  ])('vc_%s:%s takes the levels %j', (codec, profile, levels) => {
    for (const level of levels) {
      expect(video(`vc_${codec}:${profile}:${level}`)).toStrictEqual({ videoCodec: { kind: 'codec', codec, profile, level } });
    }
    for (const level of ['0.9', '1.4', '7.0', '']) {
      expect(refusal(() => parseTransformation(`vc_${codec}:${profile}:${level}`)).message).toBe(
        `Invalid video codec in transformation: ${codec}:${profile}:${level}`,
      );
    }
  });

  it('keeps every video parameter of one component, sorted like the rest', () => {
    const text = 'vs_4s,sp_hd,ki_2,af_48000,ac_opus,vc_vp9,br_1m:constant,fps_24-30,so_1,eo_5,e_fade:-500';
    expect(canonical(text)).toBe('ac_opus,af_48000,br_1m:constant,e_fade:-500,eo_5,fps_24-30,ki_2,so_1,sp_hd,vc_vp9,vs_4s');
    const plan = parseTransformation(text);
    expect(parseTransformation(canonicalString(plan))).toStrictEqual(plan);
  });

  it('keeps the last e_ of a component, image or video, and only that one', () => {
    expect(parseTransformation('e_blur,e_reverse').components[0]).toStrictEqual({ videoOnly: { effect: { name: 'reverse' } } });
    expect(parseTransformation('e_reverse,e_blur').components[0]).toStrictEqual({ effect: { name: 'blur', value: 100 } });
    expect(parseTransformation('so_2,e_reverse,e_blur').components[0]).toStrictEqual({
      effect: { name: 'blur', value: 100 },
      videoOnly: { startOffset: { kind: 'seconds', value: 2 } },
    });
    expect(canonical('e_reverse,e_blur')).toBe('e_blur');
    expect(canonical('e_blur/e_reverse/e_fade:-1000')).toBe('e_blur/e_reverse/e_fade:-1000');
  });

  it('accepts fl_animated and fl_awebp, on images too', () => {
    expect(canonical('fl_awebp.animated')).toBe('fl_animated.awebp');
    expect(parseTransformation('fl_awebp,f_webp').components[0]).toStrictEqual({ flags: [{ name: 'awebp' }], format: 'webp' });
    expect(() => assertImagePlan(parseTransformation('f_webp,fl_awebp,q_auto'))).not.toThrow();
  });

  it.each(['mp4', 'webm', 'mov', 'ogv', 'mkv', 'mp3', 'm4a', 'ogg', 'wav', 'flac', 'm3u8', 'mpd'])('f_%s is a format', (format) => {
    expect(canonical(`f_${format}`)).toBe(`f_${format}`);
  });

  it('no longer lists af, ki, sp, vs as unsupported', () => {
    for (const key of ['af', 'ki', 'sp', 'vs']) expect(UNSUPPORTED_KEYS.has(key)).toBe(false);
  });
});

describe('video parameters: invalid values are 400s naming them', () => {
  it.each<[string, string]>([
    ['vc_h264:baseline:3.3', 'Invalid video codec in transformation: h264:baseline:3.3'],
    ['vc_h264:ultra', 'Invalid video codec in transformation: h264:ultra'],
    ['vc_h264:high:4', 'Invalid video codec in transformation: h264:high:4'],
    ['vc_h264:high:4.0:x', 'Invalid video codec in transformation: h264:high:4.0:x'],
    ['vc_h264::3.1', 'Invalid video codec in transformation: h264::3.1'],
    ['vc_h265:high', 'Invalid video codec in transformation: h265:high'],
    ['vc_vp9:main', 'Invalid video codec in transformation: vp9:main'],
    ['vc_av1', 'Invalid video codec in transformation: av1'],
    ['vc_H264', 'Invalid video codec in transformation: H264'],
    ['vc_auto:main', 'Invalid video codec in transformation: auto:main'],
    ['vc_constructor', 'Invalid video codec in transformation: constructor'],
    ['ac_flac', 'Invalid audio codec in transformation: flac'],
    ['ac_AAC', 'Invalid audio codec in transformation: AAC'],
    ['ac_pcm_s16le', 'Invalid audio codec in transformation: pcm_s16le'],
    ['af_44101', 'Invalid audio frequency in transformation: 44101'],
    ['af_44100.0', 'Invalid audio frequency in transformation: 44100.0'],
    ['af_auto', 'Invalid audio frequency in transformation: auto'],
    ['br_0', 'Invalid bit rate in transformation: 0'],
    ['br_0k', 'Invalid bit rate in transformation: 0k'],
    ['br_1g', 'Invalid bit rate in transformation: 1g'],
    ['br_2M', 'Invalid bit rate in transformation: 2M'],
    ['br_1.5', 'Invalid bit rate in transformation: 1.5'],
    ['br_1.0000001m', 'Invalid bit rate in transformation: 1.0000001m'],
    ['br_1000001m', 'Invalid bit rate in transformation: 1000001m'],
    ['br_500:cbr', 'Invalid bit rate in transformation: 500:cbr'],
    ['br_:constant', 'Invalid bit rate in transformation: :constant'],
    ['br_x500', 'Invalid bit rate in transformation: x500'],
    ['br_-500', 'Invalid bit rate in transformation: -500'],
    ['fps_0', 'Invalid fps in transformation: 0'],
    ['fps_0-', 'Invalid fps in transformation: 0-'],
    ['fps_30-20', 'Invalid fps in transformation: 30-20'],
    ['fps_-20', 'Invalid fps in transformation: -20'],
    ['fps_20--', 'Invalid fps in transformation: 20--'],
    ['fps_12345', 'Invalid fps in transformation: 12345'],
    ['ki_0', 'Invalid keyframe interval in transformation: 0'],
    ['ki_-1', 'Invalid keyframe interval in transformation: -1'],
    ['ki_auto', 'Invalid keyframe interval in transformation: auto'],
    ['ki_1e2', 'Invalid keyframe interval in transformation: 1e2'],
    ['so_auto:1', 'Invalid start offset in transformation: auto:1'],
    ['eo_auto', 'Invalid end offset in transformation: auto'],
    ['du_auto', 'Invalid duration in transformation: auto'],
    ['so_101p', 'Invalid start offset in transformation: 101p'],
    ['so_2x', 'Invalid start offset in transformation: 2x'],
    ['eo_5s', 'Invalid end offset in transformation: 5s'],
    ['du_-1', 'Invalid duration in transformation: -1'],
    [`so_${'9'.repeat(400)}`, `Invalid start offset in transformation: ${'9'.repeat(400)}`],
    ['vs_0', 'Invalid video sampling in transformation: 0'],
    ['vs_0s', 'Invalid video sampling in transformation: 0s'],
    ['vs_s', 'Invalid video sampling in transformation: s'],
    ['vs_1.5', 'Invalid video sampling in transformation: 1.5'],
    ['vs_4ss', 'Invalid video sampling in transformation: 4ss'],
    ['vs_1e3', 'Invalid video sampling in transformation: 1e3'],
    ['sp_HD', 'Invalid streaming profile in transformation: HD'],
    ['sp_a-b', 'Invalid streaming profile in transformation: a-b'],
    [`sp_${'a'.repeat(65)}`, `Invalid streaming profile in transformation: ${'a'.repeat(65)}`],
    ['e_volume:401', 'Invalid effect - volume:401'],
    ['e_volume:-101', 'Invalid effect - volume:-101'],
    ['e_volume:51db', 'Invalid effect - volume:51db'],
    ['e_volume:5.5', 'Invalid effect - volume:5.5'],
    ['e_volume:5dB', 'Invalid effect - volume:5dB'],
    ['e_volume:mute:1', 'Invalid effect - volume:mute:1'],
    ['e_volume:5.0', 'Invalid effect - volume:5.0'],
    ['e_volume:+5db', 'Invalid effect - volume:+5db'],
    ['e_volume:5dbx', 'Invalid effect - volume:5dbx'],
    ['e_reverse:1', 'Invalid effect - reverse:1'],
    ['e_boomerang:2', 'Invalid effect - boomerang:2'],
    ['e_accelerate:101', 'Invalid effect - accelerate:101'],
    ['e_accelerate:-51', 'Invalid effect - accelerate:-51'],
    ['e_loop:0', 'Invalid effect - loop:0'],
    ['e_loop:101', 'Invalid effect - loop:101'],
    ['e_loop:2.0', 'Invalid effect - loop:2.0'],
    ['e_accelerate:', 'Invalid effect - accelerate:'],
    ['e_fade:0', 'Invalid effect - fade:0'],
    ['e_fade:1.5', 'Invalid effect - fade:1.5'],
    ['e_fade:1e3', 'Invalid effect - fade:1e3'],
    ['e_preview:duration_0', 'Invalid effect - preview:duration_0'],
    ['e_preview:max_seg_0', 'Invalid effect - preview:max_seg_0'],
    ['e_preview:max_seg_101', 'Invalid effect - preview:max_seg_101'],
    ['e_preview:max_seg_2.5', 'Invalid effect - preview:max_seg_2.5'],
    ['e_preview:duration_1:duration_2', 'Invalid effect - preview:duration_1:duration_2'],
    ['e_preview:', 'Invalid effect - preview:'],
    ['e_preview:length_5', 'Invalid effect - preview:length_5'],
    ['e_preview:xduration_5', 'Invalid effect - preview:xduration_5'],
    ['e_preview:duration_5s', 'Invalid effect - preview:duration_5s'],
    ['e_progressbar', 'Invalid effect - progressbar'],
    ['fl_splice', 'Invalid flag - splice'],
  ])('%s → %s', (text, message) => {
    const error = refusal(() => parseTransformation(text));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });
});

describe('video-only parameters on images', () => {
  it('lists the new keys and the video effects, never the image effects or fl_awebp', () => {
    expect(videoOnlyParameters(parseTransformation('w_100,af_44100,fl_awebp/e_reverse/e_blur/sp_hd,ki_2,vs_10/e_volume:mute,so_auto'))).toEqual([
      'af_44100',
      'e_reverse',
      'ki_2',
      'sp_hd',
      'vs_10',
      'e_volume:mute',
      'so_auto',
    ]);
  });

  it('assertImagePlan names them in its 400', () => {
    expect(refusal(() => assertImagePlan(parseTransformation('w_100/e_boomerang,sp_auto')))).toMatchObject({
      status: 400,
      message: 'Invalid transformation for an image - video only: e_boomerang, sp_auto',
    });
    expect(() => assertImagePlan(parseTransformation('e_sepia/fl_animated'))).not.toThrow();
  });

  it('makes video() of this test file typed', () => {
    expect(video('w_100')).toBeUndefined();
  });
});
