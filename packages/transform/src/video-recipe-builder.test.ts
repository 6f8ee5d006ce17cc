import type { OutputFormat } from '@rendition/protocol';
import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { canonicalString } from './canonical.ts';
import { parseTransformation } from './parse-transformation.ts';
import { PREDEFINED_STREAMING_PROFILES } from './streaming-profiles.ts';
import { planExecutor, streamingProfileOf, type VideoRecipeLimits, type VideoRecipeOptions, videoRecipe } from './video-recipe-builder.ts';
import type { VideoRecipe, VideoSource } from './video-recipe.ts';

const HD: VideoSource = { width: 1920, height: 1080, duration: 10, frameRate: 25, hasVideo: true, hasAudio: true };
const SILENT: VideoSource = { ...HD, hasAudio: false };
const AUDIO_ONLY: VideoSource = { width: null, height: null, duration: 10, frameRate: null, hasVideo: false, hasAudio: true };
const PORTRAIT: VideoSource = { ...HD, width: 720, height: 1280 };
const LIMITS: VideoRecipeLimits = { maxDimension: 4096, maxPixels: 4096 * 2304, maxFrameRate: 60, maxBitRate: 20_000_000 };

const recipe = (text: string, format: OutputFormat, source: VideoSource = HD, options: Partial<VideoRecipeOptions> = {}): VideoRecipe =>
  videoRecipe(parseTransformation(text), source, format, { limits: LIMITS, ...options });
const refused = (text: string, format: OutputFormat, source: VideoSource = HD, options: Partial<VideoRecipeOptions> = {}): string => {
  const error = refusal(() => recipe(text, format, source, options));
  expect(error.status).toBe(400);
  return error.message;
};

describe('output kind from the format', () => {
  it.each<[string, OutputFormat, VideoRecipe['output']['kind'], string]>([
    ['', 'mp4', 'video', 'mp4'],
    ['', 'webm', 'video', 'webm'],
    ['', 'mov', 'video', 'mov'],
    ['', 'ogv', 'video', 'ogv'],
    ['', 'mkv', 'video', 'mkv'],
    ['', 'mp3', 'audio', 'mp3'],
    ['', 'm4a', 'audio', 'm4a'],
    ['', 'ogg', 'audio', 'ogg'],
    ['', 'wav', 'audio', 'wav'],
    ['', 'flac', 'audio', 'flac'],
    ['', 'gif', 'animation', 'gif'],
    ['fl_animated', 'gif', 'animation', 'gif'],
    ['fl_awebp', 'webp', 'animation', 'webp'],
    ['f_webp,fl_animated', 'webp', 'animation', 'webp'],
    ['', 'webp', 'frame', 'webp'],
    ['', 'jpg', 'frame', 'jpg'],
    ['', 'png', 'frame', 'png'],
    ['', 'avif', 'frame', 'avif'],
    ['fl_attachment', 'webp', 'frame', 'webp'], // only fl_animated / fl_awebp make a webp animated
    ['fl_animated', 'jpg', 'frame', 'jpg'],
    ['fl_animated', 'png', 'frame', 'png'],
  ])('%j as %s → %s', (text, format, kind, named) => {
    const output = recipe(text, format).output;
    expect(output.kind).toBe(kind);
    expect('container' in output ? output.container : 'format' in output ? output.format : undefined).toBe(named);
  });

  it('m3u8 is HLS and mpd is DASH', () => {
    expect(recipe('sp_hd', 'm3u8').output).toMatchObject({ kind: 'streaming', protocol: 'hls', profile: 'hd' });
    expect(recipe('sp_hd', 'mpd').output).toMatchObject({ kind: 'streaming', protocol: 'dash', profile: 'hd' });
  });

  it('refuses an animated avif', () => {
    expect(refused('fl_animated', 'avif')).toBe('Unsupported transformation parameter - animated avif from a video; use f_webp with fl_awebp, or gif');
    expect(refused('fl_awebp', 'avif')).toMatch(/animated avif/);
  });

  it('refuses sp_ outside m3u8/mpd', () => {
    expect(refused('sp_hd', 'mp4')).toBe('Invalid transformation - sp_hd needs the m3u8 or mpd format, not mp4');
    expect(refused('w_100/sp_auto', 'jpg')).toBe('Invalid transformation - sp_auto needs the m3u8 or mpd format, not jpg');
  });

  it('wants named transformations expanded first', () => {
    expect(() => recipe('t_thumb', 'mp4')).toThrow(TypeError);
    expect(() => recipe('w_100/t_thumb', 'jpg')).toThrow('expand named transformations (expandNamed) before building a video recipe');
  });

  it('takes a source said to have a picture but no display size for a probe bug, not a 400', () => {
    for (const source of [
      { ...HD, width: null },
      { ...HD, height: null },
    ]) {
      for (const format of ['mp4', 'jpg', 'gif', 'm3u8'] as const) {
        expect(() => recipe('', format, source)).toThrow(new TypeError('a video source with a picture needs its display width and height'));
      }
    }
  });
});

describe('trim', () => {
  it.each<[string, VideoRecipe['trim']]>([
    ['', { start: 0, end: null }],
    ['so_2', { start: 2, end: null }],
    ['so_2,du_3', { start: 2, end: 5 }],
    ['so_2,eo_4,du_1', { start: 2, end: 4 }], // eo wins over du
    ['du_50p', { start: 0, end: 5 }],
    ['so_10p,eo_90%', { start: 1, end: 9 }],
    ['eo_20', { start: 0, end: null }], // clamped to the end: to the end
    ['eo_10', { start: 0, end: null }],
    ['so_8,du_5', { start: 8, end: null }],
    ['so_auto,du_1', { start: 5, end: 6 }], // so_auto: the middle
    ['so_1/du_2', { start: 1, end: 3 }], // the chain counts as a whole
    ['so_1/so_3', { start: 3, end: null }], // the last wins
    ['eo_4', { start: 0, end: 4 }],
    ['du_4', { start: 0, end: 4 }],
  ])('%j → %j', (text, trim) => {
    expect(recipe(text, 'mp4').trim).toEqual(trim);
  });

  it('keeps the whole of a source of unknown or zero duration when nothing is trimmed', () => {
    for (const duration of [Number.NaN, Number.POSITIVE_INFINITY, 0]) {
      expect(recipe('', 'mp4', { ...HD, duration }).trim).toEqual({ start: 0, end: null });
      expect(recipe('', 'gif', { ...HD, duration }).trim).toEqual({ start: 0, end: null });
    }
  });

  it('applies to audio and animation outputs', () => {
    expect(recipe('so_2,du_3', 'mp3').trim).toEqual({ start: 2, end: 5 });
    expect(recipe('so_2,du_3', 'gif').trim).toEqual({ start: 2, end: 5 });
  });

  it.each<[string, string]>([
    ['so_5,eo_3', 'Invalid transformation - start offset 5 is not before end offset 3'],
    ['so_5,eo_5', 'Invalid transformation - start offset 5 is not before end offset 5'],
    ['so_20', 'Invalid transformation - start offset 10 is not before end offset 10'],
    ['du_0', 'Invalid transformation - start offset 0 is not before end offset 0'],
    ['so_100p', 'Invalid transformation - start offset 10 is not before end offset 10'],
  ])('%j → %s', (text, message) => {
    expect(refused(text, 'mp4')).toBe(message);
  });
});

describe('frames', () => {
  it.each<[string, number]>([
    ['', 5], // the middle
    ['so_2', 2],
    ['so_25p', 2.5],
    ['so_auto', 5],
    ['so_100p', 9.96], // clamped to the last frame (one frame at 25 fps before the end)
    ['so_60', 9.96],
    ['so_0', 0],
  ])('%j → at %s', (text, at) => {
    const output = recipe(text, 'jpg').output;
    expect(output.kind === 'frame' && output.at).toBeCloseTo(at, 10);
  });

  it('clamps to the last frame by the source frame rate, 25 fps when unknown', () => {
    const at = (source: VideoSource): number | false => {
      const output = recipe('so_100p', 'jpg', source).output;
      return output.kind === 'frame' && output.at;
    };
    expect(at({ ...HD, frameRate: 50 })).toBeCloseTo(9.98, 10);
    expect(at({ ...HD, frameRate: 10 })).toBeCloseTo(9.9, 10);
    expect(at({ ...HD, frameRate: null })).toBeCloseTo(9.96, 10);
  });

  it('hands the image side of the plan to the image executor, video parameters removed', () => {
    const result = recipe('so_2,w_300,e_blur,r_20/vc_h264,ac_none/e_reverse/a_45,fl_attachment', 'png');
    expect(result.output.kind).toBe('frame');
    if (result.output.kind !== 'frame') return;
    expect(canonicalString(result.output.imagePlan)).toBe('e_blur,r_20,w_300/a_45,fl_attachment');
    expect(result).toMatchObject({
      geometry: [],
      size: { width: 1920, height: 1080 },
      video: null,
      audio: null,
      effects: [],
      trim: { start: 0, end: null },
    });
  });

  it('checks the frame plan against the size limits', () => {
    expect(refused('w_5000', 'jpg')).toBe('Requested output of 5000x2813 exceeds the maximum of 4096 pixels per side');
  });

  it('refuses a frame or an animation of an audio-only asset', () => {
    expect(refused('', 'jpg', AUDIO_ONLY)).toBe('Invalid transformation - jpg needs a picture, and the video has none');
    expect(refused('', 'gif', AUDIO_ONLY)).toBe('Invalid transformation - gif needs a picture, and the video has none');
  });
});

describe('geometry', () => {
  it('is each component geometry in order over the display size', () => {
    const result = recipe('c_crop,w_1000,h_1000,x_10,y_20/w_0.5/a_90.hflip', 'mp4');
    expect(result.geometry).toEqual([
      { op: 'extract', left: 10, top: 20, width: 1000, height: 1000, gravity: { kind: 'compass', direction: 'north_west' } },
      { op: 'resize', width: 500, height: 500 },
      { op: 'rotate', degrees: 90, width: 500, height: 500, background: null },
      { op: 'flop', width: 500, height: 500 },
    ]);
    expect(result.size).toEqual({ width: 500, height: 500 });
  });

  it('treats auto gravity as center', () => {
    const result = recipe('c_fill,g_auto,w_500,h_500', 'mp4');
    expect(result.geometry).toEqual([
      { op: 'cover', width: 500, height: 500, scaledWidth: 889, scaledHeight: 500, gravity: { kind: 'compass', direction: 'center' } },
    ]);
    expect(recipe('c_crop,g_face,w_100,h_100', 'webm').geometry[0]).toMatchObject({ op: 'extract', left: 910, top: 490 });
  });

  it('keeps pad colours, right angles, dpr, flips', () => {
    expect(recipe('c_pad,w_1000,h_1000,b_black', 'mp4').geometry[1]).toMatchObject({ op: 'pad', background: { text: 'black' } });
    expect(recipe('c_lpad,w_1000,h_1000,b_black', 'mp4').geometry[1]).toMatchObject({ op: 'pad', background: { text: 'black' } });
    expect(recipe('c_mpad,w_2000,h_2000,b_black', 'mp4').geometry[1]).toMatchObject({ op: 'pad', background: { text: 'black' } });
    expect(recipe('c_fill_pad,w_1000,h_1000,b_black', 'mp4').size).toEqual({ width: 1000, height: 1000 });
    expect(recipe('a_-90', 'mp4').geometry).toEqual([{ op: 'rotate', degrees: 270, width: 1080, height: 1920, background: null }]);
    expect(recipe('a_exif/a_vflip', 'mp4').geometry).toEqual([{ op: 'flip', width: 1920, height: 1080 }]);
    expect(recipe('w_100,dpr_2.0', 'mp4').size).toEqual({ width: 200, height: 113 });
  });

  it.each<[string, string]>([
    ['r_20', 'r_20'],
    ['r_max', 'r_max'],
    ['bo_2px_solid_red', 'bo_2px_solid_red'],
    ['o_50', 'o_50'],
    ['e_blur', 'e_blur'],
    ['e_grayscale', 'e_grayscale'],
    ['w_100/e_sepia:40', 'e_sepia:40'],
    ['a_45', 'a_45'],
    ['a_hflip.10', 'a_hflip.10'],
    ['b_red', 'b_red'],
    ['c_fill,w_100,h_100,b_red', 'b_red'],
    ['x_10,w_100', 'x_10'],
    ['c_fill,y_0.5,w_100,h_100', 'y_0.5'],
    ['pg_2', 'pg_2'],
    ['dn_144', 'dn_144'],
  ])('%j is refused for video', (text, param) => {
    expect(refused(text, 'mp4')).toBe(`Unsupported transformation parameter for video - ${param}`);
    expect(refused(text, 'gif')).toBe(`Unsupported transformation parameter for video - ${param}`);
  });

  it('checks every step against the size limits, a cover intermediate too', () => {
    expect(refused('w_5000', 'mp4')).toBe('Requested output of 5000x2813 exceeds the maximum of 4096 pixels per side');
    expect(refused('w_4000,h_2400/w_100', 'mp4')).toBe('Requested output of 4000x2400 exceeds the maximum of 9437184 pixels');
    expect(refused('c_fill,w_100,h_4000', 'mp4')).toBe('Requested output of 7111x4000 exceeds the maximum of 4096 pixels per side');
  });

  it('has no geometry and no size without a picture', () => {
    expect(recipe('w_100,r_20', 'mp3')).toMatchObject({ geometry: [], size: null, video: null });
    expect(recipe('w_100,r_20,vc_none', 'mp4')).toMatchObject({ geometry: [], size: null, video: null });
    expect(recipe('fps_30,ki_2,vc_none', 'mp4')).toMatchObject({ size: null, video: null, fps: null, keyframeIntervalSeconds: null });
    expect(recipe('w_100', 'mp4', AUDIO_ONLY)).toMatchObject({ geometry: [], size: null, video: null });
  });
});

describe('codecs', () => {
  it.each<[OutputFormat, VideoRecipe['video'], VideoRecipe['audio']]>([
    ['mp4', { codec: 'h264', profile: null, level: null }, { codec: 'aac', sampleRate: null }],
    ['mov', { codec: 'h264', profile: null, level: null }, { codec: 'aac', sampleRate: null }],
    ['mkv', { codec: 'h264', profile: null, level: null }, { codec: 'aac', sampleRate: null }],
    ['webm', { codec: 'vp9', profile: null, level: null }, { codec: 'opus', sampleRate: null }],
    ['ogv', { codec: 'theora', profile: null, level: null }, { codec: 'vorbis', sampleRate: null }],
    ['mp3', null, { codec: 'mp3', sampleRate: null }],
    ['m4a', null, { codec: 'aac', sampleRate: null }],
    ['ogg', null, { codec: 'vorbis', sampleRate: null }],
    ['wav', null, { codec: 'pcm_s16le', sampleRate: null }],
    ['flac', null, { codec: 'flac', sampleRate: null }],
  ])('%s defaults to %j + %j', (format, video, audio) => {
    expect(recipe('', format)).toMatchObject({ video, audio });
    expect(recipe('vc_auto', format)).toMatchObject({ video, audio });
  });

  const VIDEO_CODECS = ['h264', 'h265', 'vp8', 'vp9', 'theora', 'prores'] as const;
  const AUDIO_CODECS = ['aac', 'mp3', 'opus', 'vorbis'] as const;

  it.each<[OutputFormat, string[], string[]]>([
    ['mp4', ['h264', 'h265', 'vp9'], ['aac', 'mp3', 'opus']],
    ['mov', ['h264', 'h265', 'prores'], ['aac', 'mp3']],
    ['mkv', ['h264', 'h265', 'vp8', 'vp9', 'theora', 'prores'], ['aac', 'mp3', 'opus', 'vorbis']],
    ['webm', ['vp8', 'vp9'], ['opus', 'vorbis']],
    ['ogv', ['theora'], ['vorbis', 'opus']],
    ['mp3', [], ['mp3']],
    ['m4a', [], ['aac']],
    ['ogg', [], ['vorbis', 'opus']],
    ['wav', [], []],
    ['flac', [], []],
  ])('%s takes the video codecs %j and the audio codecs %j, and refuses the others', (format, videoCodecs, audioCodecs) => {
    const audioOnly = videoCodecs.length === 0;
    for (const codec of VIDEO_CODECS) {
      // An audio container drops the picture whatever vc_ asks.
      if (audioOnly) expect(recipe(`vc_${codec}`, format).video).toBeNull();
      else if (videoCodecs.includes(codec)) expect(recipe(`vc_${codec}`, format).video).toEqual({ codec, profile: null, level: null });
      else expect(refused(`vc_${codec}`, format)).toBe(`Unsupported video codec ${codec} for format ${format}`);
    }
    for (const codec of AUDIO_CODECS) {
      if (audioCodecs.includes(codec)) expect(recipe(`ac_${codec}`, format).audio).toEqual({ codec, sampleRate: null });
      else expect(refused(`ac_${codec}`, format)).toBe(`Unsupported audio codec ${codec} for format ${format}`);
    }
  });

  it.each<[string, OutputFormat, VideoRecipe['video']]>([
    ['vc_h264:high:4.1', 'mp4', { codec: 'h264', profile: 'high', level: '4.1' }],
    ['vc_h265', 'mp4', { codec: 'h265', profile: null, level: null }],
    ['vc_vp9', 'mp4', { codec: 'vp9', profile: null, level: null }],
    ['vc_prores', 'mov', { codec: 'prores', profile: null, level: null }],
    ['vc_h265:main', 'mov', { codec: 'h265', profile: 'main', level: null }],
    ['vc_vp8', 'webm', { codec: 'vp8', profile: null, level: null }],
    ['vc_theora', 'mkv', { codec: 'theora', profile: null, level: null }],
    ['vc_h264/vc_vp9', 'webm', { codec: 'vp9', profile: null, level: null }],
  ])('%s in %s', (text, format, video) => {
    expect(recipe(text, format).video).toEqual(video);
  });

  it.each<[string, OutputFormat, string]>([
    ['vc_h265', 'webm', 'Unsupported video codec h265 for format webm'],
    ['vc_h264', 'ogv', 'Unsupported video codec h264 for format ogv'],
    ['vc_vp9', 'mov', 'Unsupported video codec vp9 for format mov'],
    ['vc_prores', 'mp4', 'Unsupported video codec prores for format mp4'],
    ['vc_vp8', 'mp4', 'Unsupported video codec vp8 for format mp4'],
    ['ac_aac', 'webm', 'Unsupported audio codec aac for format webm'],
    ['ac_vorbis', 'mp4', 'Unsupported audio codec vorbis for format mp4'],
    ['ac_opus', 'mov', 'Unsupported audio codec opus for format mov'],
    ['ac_aac', 'mp3', 'Unsupported audio codec aac for format mp3'],
    ['ac_mp3', 'wav', 'Unsupported audio codec mp3 for format wav'],
    ['ac_vorbis', 'm4a', 'Unsupported audio codec vorbis for format m4a'],
  ])('%s in %s → %s', (text, format, message) => {
    expect(refused(text, format)).toBe(message);
  });

  it('vc_none drops the picture and keeps the container; ac_none drops the sound', () => {
    expect(recipe('vc_none', 'mp4')).toMatchObject({ output: { kind: 'video', container: 'mp4' }, video: null, audio: { codec: 'aac' } });
    expect(recipe('vc_none', 'webm')).toMatchObject({ output: { kind: 'video', container: 'webm' }, video: null, audio: { codec: 'opus' } });
    expect(recipe('ac_none', 'mp4')).toMatchObject({ video: { codec: 'h264' }, audio: null });
    expect(refused('vc_none,ac_none', 'mp4')).toBe('Invalid transformation - the output would have neither picture nor sound');
    expect(refused('vc_none', 'mp4', SILENT)).toBe('Invalid transformation - the output would have neither picture nor sound');
    expect(refused('ac_none', 'mp3')).toBe('Invalid transformation - the output would have neither picture nor sound');
  });

  it('follows the source: silent → no audio, audio-only → no video', () => {
    expect(recipe('ac_aac', 'mp4', SILENT)).toMatchObject({ video: { codec: 'h264' }, audio: null });
    expect(recipe('vc_h264,w_100', 'mp4', AUDIO_ONLY)).toMatchObject({ video: null, audio: { codec: 'aac' }, fps: null });
    expect(recipe('', 'mp3', AUDIO_ONLY).audio).toEqual({ codec: 'mp3', sampleRate: null });
    expect(refused('', 'mp3', SILENT)).toBe('Invalid transformation - mp3 needs sound, and the video has none');
  });

  it('sets the sample rate from af_, within what the encoder takes', () => {
    expect(recipe('af_44100', 'mp4').audio).toEqual({ codec: 'aac', sampleRate: 44100 });
    expect(recipe('af_44100', 'mp3').audio).toEqual({ codec: 'mp3', sampleRate: 44100 });
    expect(recipe('af_8000', 'webm').audio).toEqual({ codec: 'opus', sampleRate: 8000 });
    expect(recipe('af_iaf', 'mp4').audio).toEqual({ codec: 'aac', sampleRate: null });
    expect(recipe('af_48000', 'webm').audio).toEqual({ codec: 'opus', sampleRate: 48000 });
    expect(recipe('af_37800', 'ogg').audio).toEqual({ codec: 'vorbis', sampleRate: 37800 });
    expect(recipe('af_192000', 'flac').audio).toEqual({ codec: 'flac', sampleRate: 192000 });
    expect(refused('af_44100', 'webm')).toBe('Unsupported audio frequency 44100 for audio codec opus');
    expect(refused('af_96000', 'mp3')).toBe('Unsupported audio frequency 96000 for audio codec mp3');
    expect(refused('af_192000', 'm4a')).toBe('Unsupported audio frequency 192000 for audio codec aac');
  });
});

describe('rates, quality, keyframes', () => {
  it('takes br_, fps_, ki_ and q_', () => {
    expect(recipe('br_2m,fps_30,ki_2,q_auto:eco', 'mp4')).toMatchObject({
      bitRate: { bitsPerSecond: 2_000_000, constant: false },
      fps: { min: 30, max: 30 },
      keyframeIntervalSeconds: 2,
      quality: { kind: 'auto', level: 'eco' },
    });
    expect(recipe('br_1m:constant,fps_20-,q_70', 'webm')).toMatchObject({
      bitRate: { bitsPerSecond: 1_000_000, constant: true },
      fps: { min: 20, max: null },
      quality: { kind: 'fixed', value: 70 },
    });
    expect(recipe('', 'mp4')).toMatchObject({ bitRate: null, fps: null, keyframeIntervalSeconds: null, quality: null });
    expect(recipe('br_128k', 'mp3').bitRate).toEqual({ bitsPerSecond: 128_000, constant: false });
  });

  it('takes a rate exactly at the limit', () => {
    expect(recipe('fps_60', 'mp4').fps).toEqual({ min: 60, max: 60 });
    expect(recipe('fps_24-60', 'gif').fps).toEqual({ min: 24, max: 60 });
    expect(recipe('br_20m', 'mp4').bitRate).toEqual({ bitsPerSecond: 20_000_000, constant: false });
  });

  it.each<[string, OutputFormat, string]>([
    ['fps_61', 'mp4', 'Requested frame rate of 61 exceeds the maximum of 60'],
    ['fps_24-90', 'mp4', 'Requested frame rate of 90 exceeds the maximum of 60'],
    ['fps_120', 'gif', 'Requested frame rate of 120 exceeds the maximum of 60'],
    ['br_21m', 'mp4', 'Requested bit rate of 21000000 exceeds the maximum of 20000000'],
    ['br_21m', 'mp3', 'Requested bit rate of 21000000 exceeds the maximum of 20000000'],
  ])('%s in %s → %s', (text, format, message) => {
    expect(refused(text, format)).toBe(message);
  });
});

describe('effects', () => {
  it.each<[string, VideoRecipe['effects']]>([
    ['e_volume:50', [{ name: 'volume', factor: 1.5 }]],
    ['e_volume:-50', [{ name: 'volume', factor: 0.5 }]],
    ['e_volume:-100', [{ name: 'volume', factor: 0 }]],
    ['e_volume:20db', [{ name: 'volume', factor: 10 }]],
    ['e_volume:mute', [{ name: 'volume', factor: 0 }]],
    ['e_volume', [{ name: 'volume', factor: 1 }]],
    ['e_reverse', [{ name: 'reverse' }]],
    ['e_boomerang', [{ name: 'boomerang' }]],
    ['e_accelerate', [{ name: 'accelerate', factor: 2 }]],
    ['e_accelerate:-50', [{ name: 'accelerate', factor: 0.5 }]],
    ['e_loop', [{ name: 'loop', extra: 1 }]],
    ['e_loop:3', [{ name: 'loop', extra: 3 }]],
    ['e_fade', [{ name: 'fade', direction: 'in', durationMs: 2000 }]],
    ['e_fade:-1000', [{ name: 'fade', direction: 'out', durationMs: 1000 }]],
    ['e_preview', [{ name: 'preview', durationSeconds: 5, maxSegments: 3, minSegmentSeconds: 1 }]],
    ['e_preview:duration_12:max_seg_4:min_seg_dur_2', [{ name: 'preview', durationSeconds: 12, maxSegments: 4, minSegmentSeconds: 2 }]],
    [
      'e_fade/e_reverse,w_100/e_fade:-500',
      [{ name: 'fade', direction: 'in', durationMs: 2000 }, { name: 'reverse' }, { name: 'fade', direction: 'out', durationMs: 500 }],
    ],
  ])('%s → %j', (text, effects) => {
    expect(recipe(text, 'mp4').effects).toEqual(effects);
  });

  it('decibels are a gain of 10^(dB/20)', () => {
    const [effect] = recipe('e_volume:-6db', 'mp4').effects;
    expect(effect?.name === 'volume' && effect.factor).toBeCloseTo(0.501187, 5);
  });

  it('drops volume where there is no sound', () => {
    expect(recipe('e_volume:50/e_reverse', 'mp4', SILENT).effects).toEqual([{ name: 'reverse' }]);
    expect(recipe('e_volume:50/e_reverse,ac_none', 'mp4').effects).toEqual([{ name: 'reverse' }]);
    expect(recipe('e_volume:50/e_reverse', 'gif').effects).toEqual([{ name: 'reverse' }]);
    expect(recipe('e_volume:50/e_reverse', 'mp3').effects).toEqual([{ name: 'volume', factor: 1.5 }, { name: 'reverse' }]);
  });
});

describe('animations', () => {
  it('samples by vs_, has no sound and no video codec', () => {
    expect(recipe('vs_4s,w_320', 'gif')).toMatchObject({
      output: { kind: 'animation', format: 'gif', sampling: { kind: 'seconds', value: 4 } },
      video: null,
      audio: null,
      bitRate: null,
      size: { width: 320, height: 180 },
    });
    expect(recipe('fl_awebp,vs_10', 'webp').output).toEqual({ kind: 'animation', format: 'webp', sampling: { kind: 'frames', value: 10 } });
    expect(recipe('', 'gif').output).toEqual({ kind: 'animation', format: 'gif', sampling: null });
  });

  it('refuses sampling faster than the frame-rate limit', () => {
    expect(refused('vs_0.01s', 'gif')).toBe('Requested frame rate of 100 exceeds the maximum of 60');
    expect(refused('vs_1000', 'gif')).toBe('Requested frame rate of 100 exceeds the maximum of 60');
    expect(refused('so_9,vs_100', 'gif')).toBe('Requested frame rate of 100 exceeds the maximum of 60');
    expect(recipe('vs_600', 'gif').output).toMatchObject({ sampling: { kind: 'frames', value: 600 } });
  });
});

describe('streaming', () => {
  const rungs = (result: VideoRecipe): string[] =>
    result.output.kind === 'streaming' ? result.output.representations.map((rendition) => `${rendition.size?.width}x${rendition.size?.height}`) : [];

  it('makes one mp4 rendition per rung, codec and bit rate from the rung', () => {
    const result = recipe('sp_hd', 'm3u8');
    expect(rungs(result)).toEqual(['320x180', '480x270', '640x360', '960x540', '1280x720']);
    if (result.output.kind !== 'streaming') return;
    const [first, , , , last] = result.output.representations;
    expect(first).toMatchObject({
      output: { kind: 'video', container: 'mp4' },
      video: { codec: 'h264', profile: 'baseline', level: '3.0' },
      audio: { codec: 'aac', sampleRate: null },
      bitRate: { bitsPerSecond: 192_000, constant: false },
      geometry: [{ op: 'resize', width: 320, height: 180 }],
    });
    expect(last).toMatchObject({ video: { codec: 'h264', profile: 'main', level: '3.1' }, bitRate: { bitsPerSecond: 5_500_000 } });
    // the recipe's own fields are its largest rendition's
    expect(result).toMatchObject({ size: { width: 1280, height: 720 }, video: last!.video, bitRate: last!.bitRate });
  });

  it('drops rungs wider or taller than the source, keeping at least the smallest', () => {
    expect(rungs(recipe('sp_full_hd', 'm3u8', { ...HD, width: 1280, height: 720 }))).toEqual(['320x180', '480x270', '640x360', '960x540', '1280x720']);
    expect(rungs(recipe('sp_4k', 'mpd', { ...HD, width: 640, height: 360 }))).toEqual(['320x180', '480x270', '640x360']);
    expect(rungs(recipe('sp_hd', 'm3u8', { ...HD, width: 160, height: 120 }))).toEqual(['160x120']);
  });

  it('compares a portrait source in either orientation', () => {
    expect(rungs(recipe('sp_full_hd', 'm3u8', PORTRAIT))).toEqual(['135x240', '152x270', '203x360', '304x540', '405x720']);
  });

  it('measures the rungs against the plan own geometry', () => {
    expect(rungs(recipe('c_crop,w_960,h_540/sp_hd', 'm3u8'))).toEqual(['320x180', '480x270', '640x360', '960x540']);
  });

  it('applies the rest of the plan to every rendition', () => {
    const result = recipe('so_2,du_5,sp_sd,ac_none', 'm3u8');
    expect(result.output.kind === 'streaming' && result.output.representations.map((rendition) => [rendition.trim, rendition.audio])).toEqual([
      [{ start: 2, end: 7 }, null],
      [{ start: 2, end: 7 }, null],
      [{ start: 2, end: 7 }, null],
    ]);
  });

  it('asks the caller for custom profiles and falls back to the predefined ones', () => {
    const custom = (name: string): readonly string[] | undefined => (name === 'mine' ? ['c_limit,h_480,vc_h265,w_854,br_1m'] : undefined);
    const mine = recipe('sp_mine', 'm3u8', HD, { streamingProfile: custom });
    expect(mine.output.kind === 'streaming' && mine.output.representations.map((rendition) => rendition.video)).toEqual([
      { codec: 'h265', profile: null, level: null },
    ]);
    expect(rungs(recipe('sp_sd', 'm3u8', HD, { streamingProfile: custom }))).toEqual(['320x180', '480x270', '640x360']);
    expect(refused('sp_nope', 'm3u8', HD, { streamingProfile: custom })).toBe('Unknown streaming profile nope');
  });

  it('refuses a rung that is invalid, incompatible or beyond the limits', () => {
    const profile = (representations: string[]) => ({ streamingProfile: () => representations });
    expect(refused('sp_x', 'm3u8', HD, profile(['w_abc']))).toBe(
      'Invalid streaming profile x - representation w_abc: Invalid width in transformation: abc',
    );
    expect(refused('sp_x', 'm3u8', HD, profile(['t_other']))).toBe(
      'Invalid streaming profile x - representation t_other: named transformations are not allowed',
    );
    expect(refused('sp_x', 'm3u8', HD, profile(['sp_hd']))).toBe(
      'Invalid streaming profile x - representation sp_hd: a representation cannot name a streaming profile',
    );
    expect(refused('sp_x', 'm3u8', HD, profile([]))).toBe("Invalid streaming profile x - representation '': the profile has no representations");
    expect(refused('sp_x', 'm3u8', HD, profile(['vc_vp8,w_640']))).toBe('Unsupported video codec vp8 for format mp4');
    expect(refused('sp_x', 'm3u8', HD, profile(['br_50m,w_640']))).toBe('Requested bit rate of 50000000 exceeds the maximum of 20000000');
    expect(refused('sp_x', 'm3u8', HD, profile(['fps_90,w_640']))).toBe('Requested frame rate of 90 exceeds the maximum of 60');
  });

  it('keeps a custom rung by its pixel box, a side it leaves open fitting any source', () => {
    const custom = (representations: string[]) => ({ streamingProfile: () => representations });
    expect(rungs(recipe('sp_x', 'm3u8', HD, custom(['h_360', 'h_720', 'h_2160'])))).toEqual(['640x360', '1280x720']);
    expect(rungs(recipe('sp_x', 'm3u8', HD, custom(['w_640', 'w_1920', 'w_2000'])))).toEqual(['640x360', '1920x1080']);
    // as tall as the source allows, but wider than it either way up
    expect(rungs(recipe('sp_x', 'm3u8', HD, custom(['c_limit,w_640,h_360', 'c_limit,w_2000,h_360'])))).toEqual(['640x360']);
    // a rung of several components
    const split = recipe('sp_x', 'm3u8', HD, custom(['c_limit,w_640/br_1m']));
    expect(rungs(split)).toEqual(['640x360']);
    expect(split.bitRate).toEqual({ bitsPerSecond: 1_000_000, constant: false });
  });

  it('keeps the smallest rung by area (the first of equals) when none fits, whatever the order of the ladder', () => {
    const ladder = [
      'c_limit,w_500,h_500,br_2m',
      'c_limit,w_200,h_200,br_3m',
      'c_limit,w_100,h_1000,br_4m',
      'c_limit,w_1000,h_100,br_5m',
      'c_limit,w_400,h_100,br_6m',
    ];
    const result = recipe('sp_x', 'm3u8', { ...HD, width: 64, height: 48 }, { streamingProfile: () => ladder });
    expect(result.output.kind === 'streaming' && result.output.representations.map((rendition) => rendition.bitRate?.bitsPerSecond)).toEqual([
      3_000_000,
    ]);
  });

  it('reports the largest rendition (the first of equals) wherever it stands in the ladder', () => {
    const ladder = ['c_limit,w_1280,br_2m', 'c_limit,w_640,br_1m', 'c_limit,w_1280,h_720,br_3m'];
    const result = recipe('sp_x', 'm3u8', HD, { streamingProfile: () => ladder });
    expect(rungs(result)).toEqual(['1280x720', '640x360', '1280x720']);
    expect(result).toMatchObject({ size: { width: 1280, height: 720 }, bitRate: { bitsPerSecond: 2_000_000 } });
  });

  it('streams renditions without picture when vc_none stands and the rungs name no codec', () => {
    const result = recipe('vc_none/sp_x', 'm3u8', HD, { streamingProfile: () => ['c_limit,w_640,br_1m', 'c_limit,w_1280,br_2m'] });
    expect(result.output.kind === 'streaming' && result.output.representations.map((rendition) => [rendition.size, rendition.video])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(result).toMatchObject({ size: null, video: null, audio: { codec: 'aac' }, bitRate: { bitsPerSecond: 1_000_000 } });
  });

  it('lets a programming error of the profile lookup through, not as a 400', () => {
    expect(() => recipe('sp_x', 'm3u8', HD, { streamingProfile: () => [42 as unknown as string] })).toThrow(TypeError);
  });

  it('without sp_ is a single rendition made from the plan itself', () => {
    const result = recipe('w_640,br_1m', 'm3u8');
    expect(result.output).toMatchObject({ kind: 'streaming', protocol: 'hls', profile: '' });
    expect(rungs(result)).toEqual(['640x360']);
  });

  it('streams an audio-only asset as one rendition without picture', () => {
    const result = recipe('sp_auto', 'm3u8', AUDIO_ONLY);
    expect(result.output.kind === 'streaming' && result.output.representations.map((rendition) => [rendition.video, rendition.audio])).toEqual([
      [null, { codec: 'aac', sampleRate: null }],
    ]);
  });

  it('every predefined profile builds on a 4K source within generous limits', () => {
    const limits = { ...LIMITS, maxBitRate: 50_000_000 };
    for (const profile of PREDEFINED_STREAMING_PROFILES) {
      const result = recipe(`sp_${profile.name}`, 'm3u8', { ...HD, width: 3840, height: 2160 }, { limits });
      expect(result.output.kind === 'streaming' && result.output.representations.length).toBe(profile.representations.length);
    }
  });
});

describe('planExecutor', () => {
  it.each<['image' | 'video' | 'raw', OutputFormat, 'image' | 'video']>([
    ['video', 'mp4', 'video'],
    ['video', 'jpg', 'video'],
    ['video', 'gif', 'video'],
    ['video', 'm3u8', 'video'],
    ['image', 'jpg', 'image'],
    ['image', 'webp', 'image'],
    ['raw', 'png', 'image'],
  ])('%s as %s → %s', (resourceType, format, executor) => {
    expect(planExecutor(resourceType, format)).toBe(executor);
  });
});

describe('streamingProfileOf', () => {
  it('is the last sp_ of the chain, or undefined', () => {
    expect(streamingProfileOf(parseTransformation('sp_hd/w_100'))).toBe('hd');
    expect(streamingProfileOf(parseTransformation('sp_hd/sp_full_hd,w_100'))).toBe('full_hd');
    expect(streamingProfileOf(parseTransformation('w_100,vc_h264'))).toBeUndefined();
    expect(streamingProfileOf({ components: [] })).toBeUndefined();
  });
});
