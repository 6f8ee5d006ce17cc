import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { ffprobeFacts, measuredFrameRate, videoSource } from '../../src/video/ffprobe-facts.ts';

// ffprobe's JSON of each generated fixture (packages/testing/src/video-fixtures.ts), captured with
// ffmpeg 5.1 and trimmed of fields nothing reads, → Cloudinary's fields (spec wave2 §1.3).
const sample = (name: string): unknown => JSON.parse(readFileSync(new URL(`./ffprobe-samples/${name}.json`, import.meta.url), 'utf8'));

const stereoAac = (bitRate: string) => ({ codec: 'aac', bit_rate: bitRate, frequency: 44100, channels: 2, channel_layout: 'stereo' });
const baseline = (bitRate: string) => ({
  pix_format: 'yuv420p',
  codec: 'h264',
  level: 13,
  profile: 'Constrained Baseline',
  bit_rate: bitRate,
  dar: '4:3',
  time_base: '1/12800',
});

describe('ffprobeFacts on the fixtures', () => {
  it.each([
    [
      'mp4',
      {
        width: 320,
        height: 240,
        audio: stereoAac('96218'),
        video: baseline('697432'),
        is_audio: false,
        frame_rate: 25,
        bit_rate: 805532,
        duration: 2,
        rotation: 0,
        nb_frames: 50,
      },
    ],
    [
      'mov',
      {
        width: 320,
        height: 240,
        audio: stereoAac('96159'),
        video: baseline('728168'),
        is_audio: false,
        frame_rate: 25,
        bit_rate: 843376,
        duration: 1,
        rotation: 0,
        nb_frames: 25,
      },
    ],
    [
      // webm: no stream bit rates, no frame count (as Cloudinary's webm capture)
      'webm',
      {
        width: 320,
        height: 240,
        audio: { codec: 'opus', frequency: 48000, channels: 1, channel_layout: 'mono' },
        video: { pix_format: 'yuv420p', codec: 'vp9', level: -99, profile: 'Profile 0', dar: '4:3', time_base: '1/1000' },
        is_audio: false,
        frame_rate: 25,
        bit_rate: 380420,
        duration: 1.008,
        rotation: 0,
      },
    ],
    [
      'mkv',
      {
        width: 320,
        height: 240,
        audio: { codec: 'vorbis', frequency: 44100, channels: 1, channel_layout: 'mono' },
        video: { pix_format: 'yuv420p', codec: 'h264', level: 13, profile: 'Constrained Baseline', dar: '4:3', time_base: '1/1000' },
        is_audio: false,
        frame_rate: 25,
        bit_rate: 776797,
        duration: 1.003,
        rotation: 0,
      },
    ],
    [
      'avi',
      {
        width: 320,
        height: 240,
        audio: { codec: 'mp3', bit_rate: '65640', frequency: 44100, channels: 1, channel_layout: 'mono' },
        video: { pix_format: 'yuv420p', codec: 'mpeg4', level: 1, profile: 'Simple Profile', bit_rate: '832880', dar: '4:3', time_base: '1/25' },
        is_audio: false,
        frame_rate: 25,
        bit_rate: 950186,
        duration: 1.044898,
        rotation: 0,
        nb_frames: 26,
      },
    ],
    [
      'gif',
      {
        width: 160,
        height: 120,
        audio: {},
        video: { pix_format: 'bgra', codec: 'gif', level: -99, dar: '4:3', time_base: '1/100' },
        frame_rate: 10,
        bit_rate: 212160,
        duration: 1,
        rotation: 0,
        nb_frames: 10,
      },
    ],
    // audio only: video {}, is_audio true, no width/height/frame_rate/rotation/nb_frames
    [
      'mp3',
      {
        audio: { codec: 'mp3', bit_rate: '128000', frequency: 44100, channels: 2, channel_layout: 'stereo' },
        video: {},
        is_audio: true,
        bit_rate: 131534,
        duration: 1.044898,
      },
    ],
    // the PNG cover (attached_pic) is not a picture
    [
      'mp3-cover',
      {
        audio: { codec: 'mp3', bit_rate: '64000', frequency: 44100, channels: 1, channel_layout: 'mono' },
        video: {},
        is_audio: true,
        bit_rate: 78828,
        duration: 1.044898,
      },
    ],
    ['m4a', { audio: stereoAac('96159'), video: {}, is_audio: true, bit_rate: 106288, duration: 1 }],
    // WAV declares no layout for its one channel: mono, ffmpeg's default
    [
      'wav',
      {
        audio: { codec: 'pcm_s16le', bit_rate: '705600', frequency: 44100, channels: 1, channel_layout: 'mono' },
        video: {},
        is_audio: true,
        bit_rate: 706224,
        duration: 1,
      },
    ],
    [
      'ogg',
      { audio: { codec: 'opus', frequency: 48000, channels: 1, channel_layout: 'mono' }, video: {}, is_audio: true, bit_rate: 77917, duration: 1.0065 },
    ],
    [
      'flac',
      { audio: { codec: 'flac', frequency: 44100, channels: 1, channel_layout: 'mono' }, video: {}, is_audio: true, bit_rate: 162680, duration: 1 },
    ],
    [
      // display matrix rotation -90 (turn clockwise) → Cloudinary's 90, display size 240x320
      'rotated',
      {
        width: 240,
        height: 320,
        audio: stereoAac('96218'),
        video: baseline('697432'),
        is_audio: false,
        frame_rate: 25,
        bit_rate: 805532,
        duration: 2,
        rotation: 90,
        nb_frames: 50,
      },
    ],
    [
      // variable rate: frame_rate is the nominal r_frame_rate, as Cloudinary's
      'vfr',
      {
        width: 320,
        height: 240,
        audio: {},
        video: { ...baseline('600527'), time_base: '1/15360' },
        frame_rate: 30,
        bit_rate: 605021,
        duration: 1.867,
        rotation: 0,
        nb_frames: 40,
      },
    ],
    [
      'silent',
      { width: 320, height: 240, audio: {}, video: baseline('728168'), frame_rate: 25, bit_rate: 735768, duration: 1, rotation: 0, nb_frames: 25 },
    ],
    [
      '10bit',
      {
        width: 320,
        height: 240,
        audio: {},
        video: { pix_format: 'yuv420p10le', codec: 'h264', level: 13, profile: 'High 10', bit_rate: '727160', dar: '4:3', time_base: '1/12800' },
        frame_rate: 25,
        bit_rate: 734808,
        duration: 1,
        rotation: 0,
        nb_frames: 25,
      },
    ],
    [
      'odd',
      {
        width: 321,
        height: 241,
        audio: {},
        video: {
          pix_format: 'yuv444p',
          codec: 'h264',
          level: 13,
          profile: 'High 4:4:4 Predictive',
          bit_rate: '893368',
          dar: '4:3',
          time_base: '1/12800',
        },
        frame_rate: 25,
        bit_rate: 901072,
        duration: 1,
        rotation: 0,
        nb_frames: 25,
      },
    ],
  ])('%s', (name, expected) => {
    const facts = ffprobeFacts(sample(name));
    expect(facts).toStrictEqual(expected);
    // Cloudinary's key order (width, height, audio, video, is_audio, frame_rate, bit_rate, duration, rotation, nb_frames)
    expect(Object.keys(facts)).toEqual(Object.keys(expected));
  });

  it('keeps the wire types: stream bit rates are strings, the rest numbers', () => {
    const facts = ffprobeFacts(sample('mp4'));
    expect(typeof facts.bit_rate).toBe('number');
    expect(typeof (facts.video as { bit_rate: unknown }).bit_rate).toBe('string');
    expect(typeof (facts.audio as { bit_rate: unknown }).bit_rate).toBe('string');
    expect(Number.isInteger(facts.nb_frames)).toBe(true);
    expect(Number.isInteger((facts.audio as { frequency: unknown }).frequency)).toBe(true);
  });

  it('reads what the header claims without judging it (the limits do: probe-video)', () => {
    expect(ffprobeFacts(sample('huge'))).toMatchObject({ width: 20000, height: 12000, nb_frames: 1 });
  });
});

// Hand-written probes for what the fixtures cannot show.
const probe = (video: Record<string, unknown> | null, audio: Record<string, unknown> | null = null, format: Record<string, unknown> = {}) => ({
  streams: [
    ...(video === null ? [] : [{ codec_type: 'video', codec_name: 'vp8', width: 1920, height: 1080, r_frame_rate: '1000/1', ...video }]),
    ...(audio === null ? [] : [{ codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2, ...audio }]),
  ],
  format: { duration: '43.103532', bit_rate: '345682', ...format },
});

describe('ffprobeFacts rules', () => {
  it('gives vp8 webm as Cloudinary does: level -99, profile "0", frame_rate 1000, no nb_frames', () => {
    const facts = ffprobeFacts(probe({ level: -99, profile: '0', pix_fmt: 'yuv420p', display_aspect_ratio: '16:9', time_base: '1/1000' }));
    expect(facts).toStrictEqual({
      width: 1920,
      height: 1080,
      audio: {},
      video: { pix_format: 'yuv420p', codec: 'vp8', level: -99, profile: '0', dar: '16:9', time_base: '1/1000' },
      frame_rate: 1000,
      bit_rate: 345682,
      duration: 43.103532,
      rotation: 0,
    });
  });

  it.each([
    ['display matrix -90', { side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }, 90, [1080, 1920]],
    ['display matrix 90', { side_data_list: [{ side_data_type: 'Display Matrix', rotation: 90 }] }, 270, [1080, 1920]],
    ['display matrix 180', { side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }] }, 180, [1920, 1080]],
    ['display matrix -180', { side_data_list: [{ side_data_type: 'Display Matrix', rotation: -180 }] }, 180, [1920, 1080]],
    ['legacy rotate tag 90 (clockwise)', { tags: { rotate: '90' } }, 90, [1080, 1920]],
    ['legacy rotate tag 270', { tags: { rotate: '270' } }, 270, [1080, 1920]],
    [
      'the matrix wins over the tag',
      { tags: { rotate: '90' }, side_data_list: [{ side_data_type: 'Display Matrix', rotation: 180 }] },
      180,
      [1920, 1080],
    ],
    ['no rotation', {}, 0, [1920, 1080]],
  ])('rotation: %s', (_name, stream, rotation, [width, height]) => {
    expect(ffprobeFacts(probe(stream))).toMatchObject({ rotation, width, height });
  });

  it.each([
    ['30000/1001', 30000 / 1001],
    ['25/1', 25],
    ['0/0', undefined],
  ])('frame_rate from r_frame_rate %s', (rate, expected) => {
    const facts = ffprobeFacts(probe({ r_frame_rate: rate, avg_frame_rate: '0/0' }));
    expect(facts.frame_rate).toBe(expected);
  });

  it.each([['0:1'], ['N/A'], ['0:0']])('omits dar %s', (dar) => {
    expect(ffprobeFacts(probe({ display_aspect_ratio: dar })).video).not.toHaveProperty('dar');
  });

  it('is_audio is false with sound and a picture, absent without sound', () => {
    expect(ffprobeFacts(probe({}, {})).is_audio).toBe(false);
    expect(ffprobeFacts(probe({}))).not.toHaveProperty('is_audio');
    expect(ffprobeFacts(probe(null, {})).is_audio).toBe(true);
  });

  it('level -99 when ffprobe gives none; bit rates omitted when unknown', () => {
    const facts = ffprobeFacts(probe({ codec_name: 'theora' }, { bit_rate: 'N/A' }));
    expect(facts.video).toStrictEqual({ codec: 'theora', level: -99 });
    expect(facts.audio).toStrictEqual({ codec: 'aac', frequency: 48000, channels: 2, channel_layout: 'stereo' });
  });

  it('falls back to the streams for the duration and to the size for the bit rate', () => {
    const facts = ffprobeFacts({ streams: [{ codec_type: 'audio', codec_name: 'mp3', duration: '2.5' }], format: { size: '40000' } });
    expect(facts).toMatchObject({ duration: 2.5, bit_rate: 128000 });
  });

  it.each([
    ['no streams', { streams: [], format: {} }],
    ['only a subtitle stream', { streams: [{ codec_type: 'subtitle', codec_name: 'subrip' }], format: {} }],
    ['only cover art', { streams: [{ codec_type: 'video', codec_name: 'png', width: 64, height: 64, disposition: { attached_pic: 1 } }], format: {} }],
    ['a picture without a size', { streams: [{ codec_type: 'video', codec_name: 'rawvideo', width: 0, height: 0 }], format: {} }],
    ['not an object', 'nonsense'],
  ])('refuses %s as an invalid video', (_name, json) => {
    expect(() => ffprobeFacts(json)).toThrow(new MediaError('corrupt', 'Invalid video file'));
  });

  it('measuredFrameRate prefers the average rate', () => {
    expect(measuredFrameRate(sample('vfr'))).toBeCloseTo(150 / 7);
    expect(measuredFrameRate(probe({ r_frame_rate: '90000/1', avg_frame_rate: '30/1' }))).toBe(30);
    expect(measuredFrameRate(probe({ r_frame_rate: '24/1', avg_frame_rate: '0/0' }))).toBe(24);
    expect(measuredFrameRate(sample('mp3-cover'))).toBeNull();
  });
});

describe('videoSource', () => {
  it('maps a video with sound', () => {
    expect(videoSource(ffprobeFacts(sample('rotated')))).toStrictEqual({
      width: 240,
      height: 320,
      duration: 2,
      frameRate: 25,
      hasVideo: true,
      hasAudio: true,
    });
  });
  it('maps an audio file', () => {
    expect(videoSource(ffprobeFacts(sample('mp3-cover')))).toStrictEqual({
      width: null,
      height: null,
      duration: 1.044898,
      frameRate: null,
      hasVideo: false,
      hasAudio: true,
    });
  });
  it('maps a silent video', () => {
    expect(videoSource(ffprobeFacts(sample('silent')))).toMatchObject({ hasVideo: true, hasAudio: false });
  });
});
