import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { videoFixture } from '@rendition/testing';
import type { VideoFixtureName } from '@rendition/testing';
import { parseTransformation } from '@rendition/transform';
import type { GeometryStep, VideoEffect, VideoRecipe, VideoSource } from '@rendition/transform';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { executeVideoRecipe } from '../../src/video/execute-video.ts';
import type { VideoExecution, VideoExecutionOptions } from '../../src/video/execute-video.ts';
import { useTempDir } from '../media-files.ts';

// Every recipe feature run for real on the small generated fixtures, the result read back with the
// system's ffprobe (not our probe code).

const run = promisify(execFile);
const temp = useTempDir();
const IMAGE_LIMITS = { maxInputPixels: 50_000_000, timeoutSeconds: 20, maxDimension: 4096, maxOutputPixels: 16_000_000 };
/** One frame of the 25 fps fixtures. */
const FRAME = 0.04;

type Stream = {
  codec_type: string;
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  sample_rate?: string;
  codec_tag_string?: string;
  side_data_list?: unknown[];
};
type Probe = { streams: Stream[]; format: { duration: string; bit_rate: string; format_name: string } };

async function ffprobe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]);
  return JSON.parse(stdout) as Probe;
}
const videoOf = (probe: Probe): Stream | undefined => probe.streams.find((stream) => stream.codec_type === 'video');
const audioOf = (probe: Probe): Stream | undefined => probe.streams.find((stream) => stream.codec_type === 'audio');

/** The frame at `seconds` as raw RGB, scaled to 32x24. */
async function frameAt(path: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', String(seconds), '-i', path, '-frames:v', '1', '-vf', 'scale=32:24', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer' },
  );
  return stdout;
}
const difference = (a: Buffer, b: Buffer): number => a.reduce((sum, value, index) => sum + Math.abs(value - (b[index] ?? 0)), 0) / a.length;
const mean = (frame: Buffer): number => frame.reduce((sum, value) => sum + value, 0) / frame.length;

/** The mean volume of the sound in dB (-91 is silence). */
async function meanVolume(path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', path, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1]);
}

/** Key frame times of the picture. */
async function keyframeTimes(path: string): Promise<number[]> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-skip_frame',
    'nokey',
    '-show_entries',
    'frame=pts_time',
    '-of',
    'csv=p=0',
    path,
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Number.parseFloat(line));
}

const SOURCE_MP4: VideoSource = { width: 320, height: 240, duration: 2, frameRate: 25, hasVideo: true, hasAudio: true };

function recipe(changes: Partial<VideoRecipe> = {}): VideoRecipe {
  return {
    output: { kind: 'video', container: 'mp4' },
    trim: { start: 0, end: null },
    geometry: [],
    size: { width: 320, height: 240 },
    video: { codec: 'h264', profile: null, level: null },
    audio: { codec: 'aac', sampleRate: null },
    bitRate: null,
    quality: null,
    fps: null,
    keyframeIntervalSeconds: null,
    effects: [],
    ...changes,
  };
}

let outputs = 0;
async function execute(
  changes: Partial<VideoRecipe>,
  fixture: VideoFixtureName = 'mp4',
  options: Partial<VideoExecutionOptions> = {},
): Promise<{ result: VideoExecution; path: string; probe: Probe | null }> {
  const path = join(temp.path, `out-${outputs++}`);
  const result = await executeVideoRecipe(await videoFixture(fixture), path, recipe(changes), {
    timeoutMs: 30_000,
    imageLimits: IMAGE_LIMITS,
    ...options,
  });
  const kind = changes.output?.kind;
  return { result, path, probe: kind === 'streaming' || kind === 'frame' ? null : await ffprobe(path) };
}

const resize = (width: number, height: number): Pick<VideoRecipe, 'geometry' | 'size'> => ({
  geometry: [{ op: 'resize', width, height }],
  size: { width, height },
});

describe('video outputs', () => {
  it('trims, resizes and encodes H.264 with a profile and level, AAC, index first', async () => {
    const { result, path, probe } = await execute({
      trim: { start: 0.5, end: 1.5 },
      ...resize(160, 120),
      video: { codec: 'h264', profile: 'baseline', level: '3.0' },
    });
    expect(result).toMatchObject({ width: 160, height: 120 });
    expect(result.duration).toBeCloseTo(1, 0);
    const video = videoOf(probe!)!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 160, height: 120, level: 30, pix_fmt: 'yuv420p' });
    expect(video.profile).toMatch(/Baseline/);
    expect(audioOf(probe!)).toMatchObject({ codec_name: 'aac' });
    expect(Math.abs(Number(probe!.format.duration) - 1)).toBeLessThanOrEqual(FRAME + 0.03);
    // the trim is frame-exact: the first frame is the source's frame at 0.5 s
    expect(difference(await frameAt(path, 0), await frameAt(await videoFixture('mp4'), 0.5))).toBeLessThan(6);
    const bytes = await readFile(path);
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat')); // +faststart
  });

  it.each<[string, Partial<VideoRecipe>, string, string | undefined]>([
    [
      'VP9 + Opus in WebM',
      {
        output: { kind: 'video', container: 'webm' },
        video: { codec: 'vp9', profile: null, level: null },
        audio: { codec: 'opus', sampleRate: 44100 },
      },
      'vp9',
      'opus',
    ],
    [
      'VP8 + Vorbis in WebM',
      {
        output: { kind: 'video', container: 'webm' },
        video: { codec: 'vp8', profile: null, level: null },
        audio: { codec: 'vorbis', sampleRate: null },
      },
      'vp8',
      'vorbis',
    ],
    ['H.265 in MP4', { video: { codec: 'h265', profile: null, level: null } }, 'hevc', 'aac'],
    [
      'Theora + Vorbis in Ogg',
      {
        output: { kind: 'video', container: 'ogv' },
        video: { codec: 'theora', profile: null, level: null },
        audio: { codec: 'vorbis', sampleRate: null },
      },
      'theora',
      'vorbis',
    ],
    [
      'ProRes + PCM in MOV',
      {
        output: { kind: 'video', container: 'mov' },
        video: { codec: 'prores', profile: null, level: null },
        audio: { codec: 'pcm_s16le', sampleRate: null },
      },
      'prores',
      'pcm_s16le',
    ],
    ['H.264 in Matroska, no sound', { output: { kind: 'video', container: 'mkv' }, audio: null }, 'h264', undefined],
  ])('%s', async (_name, changes, videoCodec, audioCodec) => {
    const { result, probe } = await execute({ trim: { start: 0, end: 0.5 }, ...resize(160, 120), ...changes });
    expect(result).toMatchObject({ width: 160, height: 120 });
    expect(videoOf(probe!)).toMatchObject({ codec_name: videoCodec, width: 160, height: 120 });
    expect(audioOf(probe!)?.codec_name).toBe(audioCodec);
    if (videoCodec === 'hevc') expect(videoOf(probe!)?.codec_tag_string).toBe('hvc1');
    if (audioCodec === 'opus') expect(audioOf(probe!)?.sample_rate).toBe('48000'); // af_44100 → the nearest rate Opus takes
  });

  it('writes only the sound with vc_none', async () => {
    const { result, probe } = await execute({ video: null, size: null });
    expect(result).toMatchObject({ width: null, height: null });
    expect(probe!.streams.map((stream) => stream.codec_type)).toEqual(['audio']);
  });

  it('keeps a bit rate within bounds, average and constant', async () => {
    for (const constant of [false, true]) {
      const { probe } = await execute({ bitRate: { bitsPerSecond: 200_000, constant }, audio: null });
      expect(Number(probe!.format.bit_rate)).toBeLessThan(200_000 * 1.5);
    }
  });

  it('spends fewer bytes at a lower quality', async () => {
    const low = await execute({ quality: { kind: 'fixed', value: 10 }, audio: null });
    const high = await execute({ quality: { kind: 'fixed', value: 90 }, audio: null });
    expect(Number(low.probe!.format.bit_rate)).toBeLessThan(Number(high.probe!.format.bit_rate) / 2);
  });

  it.each<[string, VideoRecipe['fps'], string, number]>([
    ['a fixed rate', { min: 10, max: 10 }, '10/1', 20],
    ['a range below the source rate', { min: 5, max: 12 }, '12/1', 24],
  ])('sets %s', async (_name, fps, rate, frames) => {
    const { probe } = await execute({ fps, audio: null });
    expect(videoOf(probe!)?.r_frame_rate).toBe(rate);
    expect(Math.abs(Number(videoOf(probe!)?.nb_frames) - frames)).toBeLessThanOrEqual(1);
  });

  it('puts a key frame every ki_ seconds', async () => {
    const { path } = await execute({ keyframeIntervalSeconds: 0.4, audio: null });
    expect(await keyframeTimes(path)).toEqual([0, 0.4, 0.8, 1.2, 1.6]);
  });

  it('applies the geometry steps in order, padding in the colour asked for', async () => {
    const red = { text: 'red', r: 255, g: 0, b: 0, alpha: 1 };
    const geometry: GeometryStep[] = [
      { op: 'cover', width: 100, height: 100, scaledWidth: 133, scaledHeight: 100, gravity: { kind: 'compass', direction: 'center' } },
      { op: 'pad', left: 20, top: 0, width: 140, height: 100, background: red },
      { op: 'rotate', degrees: 90, width: 100, height: 140, background: null },
      { op: 'flop', width: 100, height: 140 },
      { op: 'border', thickness: 2, color: red, width: 104, height: 144 },
    ];
    const { result, path } = await execute({ geometry, size: { width: 104, height: 144 }, audio: null });
    expect(result).toMatchObject({ width: 104, height: 144 });
    const { data, info } = await sharp(await frameAt(path, 0), { raw: { width: 32, height: 24, channels: 3 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(32);
    // after the quarter turn the pad is at the top: the top-left pixel is red
    expect([data[0], data[1], data[2]]).toEqual([
      expect.toSatisfy((value: number) => value > 180),
      expect.toSatisfy((value: number) => value < 70),
      expect.toSatisfy((value: number) => value < 70),
    ]);
  });

  it('crops odd sizes to even for 4:2:0 and turns a rotated source upright', async () => {
    const odd = await execute({ size: { width: 321, height: 241 }, audio: null }, 'odd');
    expect(odd.result).toMatchObject({ width: 320, height: 240 });
    const rotated = await execute(resize(120, 160), 'rotated');
    expect(videoOf(rotated.probe!)).toMatchObject({ width: 120, height: 160 });
    expect(videoOf(rotated.probe!)?.side_data_list).toBeUndefined(); // no display matrix left: the pixels are upright
  });

  it('writes 8-bit 4:2:0 from a 10-bit source, constant rate from a variable one', async () => {
    const tenBit = await execute({ audio: null }, '10bit', { source: undefined });
    expect(videoOf(tenBit.probe!)).toMatchObject({ pix_fmt: 'yuv420p' });
    expect(videoOf(tenBit.probe!)?.profile).not.toMatch(/10/);
    const vfr = await execute({ audio: null, fps: { min: 15, max: 15 } }, 'vfr');
    expect(videoOf(vfr.probe!)?.r_frame_rate).toBe('15/1');
  });

  it('writes a silent output from a silent source and a sound-only MP4 from an audio file', async () => {
    const silent = await execute({}, 'silent');
    expect(silent.probe!.streams.map((stream) => stream.codec_type)).toEqual(['video']);
    const sound = await execute({ video: null, size: null }, 'mp3-cover');
    expect(sound.probe!.streams.map((stream) => stream.codec_type)).toEqual(['audio']);
  });
});

describe('audio outputs', () => {
  it.each<[string, VideoRecipe['output'], NonNullable<VideoRecipe['audio']>, string, string]>([
    ['MP3 at af_22050', { kind: 'audio', container: 'mp3' }, { codec: 'mp3', sampleRate: 22050 }, 'mp3', '22050'],
    ['M4A (AAC)', { kind: 'audio', container: 'm4a' }, { codec: 'aac', sampleRate: null }, 'aac', '44100'],
    ['Ogg Opus', { kind: 'audio', container: 'ogg' }, { codec: 'opus', sampleRate: null }, 'opus', '48000'],
    ['WAV', { kind: 'audio', container: 'wav' }, { codec: 'pcm_s16le', sampleRate: 16000 }, 'pcm_s16le', '16000'],
    ['FLAC', { kind: 'audio', container: 'flac' }, { codec: 'flac', sampleRate: null }, 'flac', '44100'],
  ])('%s', async (_name, output, audio, codec, rate) => {
    const { result, probe } = await execute({ output, audio, video: null, size: null, trim: { start: 0, end: 0.5 } });
    expect(result).toMatchObject({ width: null, height: null });
    expect(probe!.streams).toHaveLength(1);
    expect(audioOf(probe!)).toMatchObject({ codec_name: codec, sample_rate: rate });
  });

  it('takes the sound of an mp3 with cover art, without the picture', async () => {
    const { probe } = await execute(
      { output: { kind: 'audio', container: 'mp3' }, audio: { codec: 'mp3', sampleRate: null }, video: null, size: null },
      'mp3-cover',
    );
    expect(probe!.streams.map((stream) => stream.codec_type)).toEqual(['audio']);
  });
});

describe('effects', () => {
  const effect = (effects: VideoEffect[], changes: Partial<VideoRecipe> = {}) => execute({ effects, ...resize(160, 120), ...changes });

  it('mutes with volume 0 and keeps the sound otherwise', async () => {
    expect(await meanVolume((await effect([{ name: 'volume', factor: 0 }])).path)).toBeLessThan(-80);
    expect(await meanVolume((await effect([{ name: 'volume', factor: 0.5 }])).path)).toBeGreaterThan(-40);
  });

  it('reverses picture and sound', async () => {
    const source = await videoFixture('mp4');
    const { path, probe } = await effect([{ name: 'reverse' }], { size: { width: 320, height: 240 }, geometry: [] });
    expect(Math.abs(Number(probe!.format.duration) - 2)).toBeLessThanOrEqual(FRAME * 2);
    const first = await frameAt(path, 0);
    expect(difference(first, await frameAt(source, 2 - FRAME))).toBeLessThan(difference(first, await frameAt(source, 0)));
  });

  it.each<[string, VideoEffect[], Partial<VideoRecipe>, number]>([
    ['accelerate ×2', [{ name: 'accelerate', factor: 2 }], {}, 1],
    ['slow down ×0.5 of a trim', [{ name: 'accelerate', factor: 0.5 }], { trim: { start: 0, end: 0.5 } }, 1],
    ['loop twice more (inputs reopened)', [{ name: 'loop', extra: 2 }], { trim: { start: 0, end: 0.5 } }, 1.5],
    // 3 frames, reversed, forth and back, 21 times
    ['loop with the loop filter', [{ name: 'reverse' }, { name: 'boomerang' }, { name: 'loop', extra: 20 }], { trim: { start: 0, end: 0.12 } }, 5.04],
    ['boomerang', [{ name: 'boomerang' }], { trim: { start: 0, end: 0.5 } }, 1],
    ['preview', [{ name: 'preview', durationSeconds: 0.8, maxSegments: 2, minSegmentSeconds: 0.2 }], {}, 0.8],
  ])('%s', async (_name, effects, changes, seconds) => {
    const { probe, result } = await effect(effects, changes);
    expect(Math.abs(Number(probe!.format.duration) - seconds)).toBeLessThanOrEqual(FRAME * 2 + 0.03);
    expect(Math.abs(Number(videoOf(probe!)?.nb_frames) - seconds * 25)).toBeLessThanOrEqual(2);
    expect(result.duration).toBeCloseTo(Number(probe!.format.duration), 6);
  });

  it('fades in from black and out to black', async () => {
    const faded = await effect([
      { name: 'fade', direction: 'in', durationMs: 500 },
      { name: 'fade', direction: 'out', durationMs: 500 },
    ]);
    expect(mean(await frameAt(faded.path, 0))).toBeLessThan(10);
    expect(mean(await frameAt(faded.path, 1.96))).toBeLessThan(20);
    expect(mean(await frameAt(faded.path, 1))).toBeGreaterThan(60);
  });
});

describe('animations and frames', () => {
  it('makes an animated GIF at the vs_ sampling', async () => {
    const { result, probe } = await execute({
      output: { kind: 'animation', format: 'gif', sampling: { kind: 'seconds', value: 0.25 } },
      audio: null,
      ...resize(160, 120),
    });
    expect(result).toMatchObject({ width: 160, height: 120 });
    expect(videoOf(probe!)).toMatchObject({ codec_name: 'gif', nb_frames: '8' });
    expect(probe!.format.format_name).toBe('gif');
  });

  it('makes an animated WebP', async () => {
    const { result, path } = await execute({
      output: { kind: 'animation', format: 'webp', sampling: { kind: 'frames', value: 5 } },
      audio: null,
      ...resize(160, 120),
    });
    expect(result).toMatchObject({ width: 160, height: 120 });
    const metadata = await sharp(path, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format: 'webp', width: 160, pages: 5, loop: 0 });
  });

  it('extracts a frame and runs the image plan on it', async () => {
    const path = join(temp.path, 'frame.jpg');
    const imagePlan = parseTransformation('w_100,h_100,c_fill');
    const result = await executeVideoRecipe(
      await videoFixture('rotated'),
      path,
      recipe({ output: { kind: 'frame', at: 1, format: 'jpg', imagePlan }, size: { width: 240, height: 320 } }),
      {
        timeoutMs: 30_000,
        imageLimits: IMAGE_LIMITS,
      },
    );
    expect(result).toEqual({ width: 100, height: 100 });
    expect(await sharp(path).metadata()).toMatchObject({ format: 'jpeg', width: 100, height: 100 });
    // the frame is taken upright: the 240x320 display picture, its upper part cut by the fill
    const full = join(temp.path, 'frame-full.png');
    await executeVideoRecipe(
      await videoFixture('rotated'),
      full,
      recipe({ output: { kind: 'frame', at: 1, format: 'png', imagePlan: { components: [] } } }),
      {
        timeoutMs: 30_000,
        imageLimits: IMAGE_LIMITS,
      },
    );
    expect(await sharp(full).metadata()).toMatchObject({ width: 240, height: 320 });
  });

  it('says there is no frame past the end', async () => {
    const output: VideoRecipe['output'] = { kind: 'frame', at: 30, format: 'png', imagePlan: { components: [] } };
    await expect(execute({ output })).rejects.toMatchObject({ kind: 'unsupported' });
  });
});

describe('streaming', () => {
  const rung = (width: number, height: number, bitsPerSecond: number): VideoRecipe =>
    recipe({ ...resize(width, height), bitRate: { bitsPerSecond, constant: false } });

  it('writes HLS: a master playlist, one playlist per rendition, aligned segments', async () => {
    const representations = [rung(160, 120, 150_000), rung(320, 240, 400_000)];
    const { result, path } = await execute({
      output: { kind: 'streaming', protocol: 'hls', profile: 'sd', representations },
      keyframeIntervalSeconds: 1,
    });
    expect(result.files?.[0]).toBe('master.m3u8');
    expect(result).toMatchObject({ width: 320, height: 240 });
    expect(result.files).toEqual(['master.m3u8', 'stream_0.m3u8', 'stream_0_00000.ts', 'stream_1.m3u8', 'stream_1_00000.ts']);
    const master = await readFile(join(path, 'master.m3u8'), 'utf8');
    expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
    expect(master).toContain('RESOLUTION=160x120');
    const playlists = await Promise.all(['stream_0.m3u8', 'stream_1.m3u8'].map((name) => readFile(join(path, name), 'utf8')));
    const durations = playlists.map((text) => [...text.matchAll(/#EXTINF:([\d.]+)/g)].map((match) => match[1]));
    expect(durations[0]).toEqual(durations[1]);
    expect(playlists[0]).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    // a segment is a playable MPEG-TS of the rendition
    expect(videoOf(await ffprobe(join(path, 'stream_0_00000.ts')))).toMatchObject({ codec_name: 'h264', width: 160, height: 120 });
  });

  it('writes DASH: a manifest, init and media segments', async () => {
    const representations = [rung(160, 120, 150_000), rung(320, 240, 400_000)];
    const { result, path } = await execute({ output: { kind: 'streaming', protocol: 'dash', profile: 'sd', representations } });
    expect(result.files?.[0]).toBe('manifest.mpd');
    expect(result.files).toEqual(expect.arrayContaining(['init_0.m4s', 'init_1.m4s', 'init_2.m4s', 'chunk_0_00001.m4s']));
    const manifest = await readFile(join(path, 'manifest.mpd'), 'utf8');
    expect(manifest.match(/<Representation /g)).toHaveLength(3);
    expect(manifest).toContain('width="160" height="120"');
  });

  it('streams the sound of an audio file alone', async () => {
    const sound = recipe({ video: null, size: null });
    const { result, path } = await execute(
      { output: { kind: 'streaming', protocol: 'hls', profile: 'sd', representations: [sound] }, video: null, size: null },
      'mp3',
    );
    expect(result).toMatchObject({ width: null, height: null, files: ['master.m3u8', 'stream_0.m3u8', 'stream_0_00000.ts'] });
    expect(await ffprobe(join(path, 'stream_0_00000.ts'))).toMatchObject({ streams: [{ codec_type: 'audio', codec_name: 'aac' }] });
  });
});

describe('limits and failures', () => {
  it('refuses an output over the image limits before ffmpeg starts', async () => {
    const error = await execute({ ...resize(5000, 100) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'too_large' });
  });

  it('reports progress up to 100', async () => {
    const seen: number[] = [];
    await execute({ audio: null }, 'mp4', { onProgress: (percent) => seen.push(percent) });
    expect(seen.at(-1)).toBe(100);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('stops at the deadline with a timeout MediaError', async () => {
    const error = await execute({ effects: [{ name: 'loop', extra: 200 }] }, 'mp4', { timeoutMs: 300, source: SOURCE_MP4 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ kind: 'timeout', message: 'Video processing took too long' });
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 150);
    await expect(execute({ effects: [{ name: 'loop', extra: 200 }] }, 'mp4', { signal: controller.signal, source: SOURCE_MP4 })).rejects.toBe(reason);
  });

  it('refuses a corrupt input as an invalid video', async () => {
    await expect(execute({}, 'truncated')).rejects.toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
  });
});
