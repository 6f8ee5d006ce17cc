import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostileVideoFile, videoFixture } from '@rendition/testing';
import type { VideoFixtureName } from '@rendition/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { DEMUXER_WHITELIST } from '../../src/video/demuxers.ts';
import { executeVideoRecipe } from '../../src/video/execute-video.ts';
import { runFfprobe } from '../../src/video/ffmpeg-runner.ts';
import { DEMUXER_BY_FORMAT, probeVideo } from '../../src/video/probe-video.ts';
import type { VideoProbeLimits } from '../../src/video/probe-video.ts';
import { useTempDir } from '../media-files.ts';

const temp = useTempDir();

const LIMITS: VideoProbeLimits = { maxDuration: 600, maxPixels: 4096 * 4096, maxFrameRate: 120 };
const probe = async (name: VideoFixtureName, limits = LIMITS, demuxer?: string) =>
  probeVideo(await videoFixture(name), { limits, demuxer, timeoutMs: 10_000 });

describe('probeVideo on real files', () => {
  // Each fixture's full field set is asserted from its captured JSON in ffprobe-facts.test.ts; here the
  // same fields come from running ffprobe, so a change in ffprobe's output would show.
  it.each<[VideoFixtureName, Record<string, unknown>]>([
    ['mp4', { width: 320, height: 240, frame_rate: 25, duration: 2, rotation: 0, nb_frames: 50, is_audio: false }],
    ['mov', { width: 320, height: 240, nb_frames: 25, is_audio: false }],
    ['webm', { width: 320, height: 240, frame_rate: 25, is_audio: false, video: expect.objectContaining({ codec: 'vp9', level: -99 }) }],
    ['mkv', { width: 320, height: 240, is_audio: false, audio: expect.objectContaining({ codec: 'vorbis' }) }],
    ['avi', { width: 320, height: 240, nb_frames: 26, audio: expect.objectContaining({ codec: 'mp3' }) }],
    ['gif', { width: 160, height: 120, frame_rate: 10, nb_frames: 10, audio: {} }],
    ['mp3', { is_audio: true, video: {}, audio: expect.objectContaining({ codec: 'mp3', bit_rate: '128000', channels: 2 }) }],
    ['mp3-cover', { is_audio: true, video: {} }],
    ['m4a', { is_audio: true, audio: expect.objectContaining({ codec: 'aac', frequency: 44100 }) }],
    ['wav', { is_audio: true, audio: expect.objectContaining({ codec: 'pcm_s16le', channel_layout: 'mono' }) }],
    ['ogg', { is_audio: true, audio: expect.objectContaining({ codec: 'opus', frequency: 48000 }) }],
    ['flac', { is_audio: true, audio: expect.objectContaining({ codec: 'flac' }) }],
    ['rotated', { width: 240, height: 320, rotation: 90 }],
    ['vfr', { frame_rate: 30, nb_frames: 40 }],
    ['silent', { audio: {}, width: 320 }],
    ['10bit', { video: expect.objectContaining({ pix_format: 'yuv420p10le', profile: 'High 10' }) }],
    ['odd', { width: 321, height: 241 }],
  ])('%s', async (name, expected) => {
    const facts = await probe(name);
    expect(facts).toMatchObject(expected);
    if (facts.is_audio === true) {
      for (const key of ['width', 'height', 'frame_rate', 'nb_frames', 'rotation']) expect(facts).not.toHaveProperty(key);
    }
    if (name === 'silent' || name === 'gif') expect(facts).not.toHaveProperty('is_audio');
    if (name === 'webm' || name === 'mkv') expect(facts).not.toHaveProperty('nb_frames');
  });

  it('reads a file with its demuxer forced', async () => {
    expect(await probe('webm', LIMITS, DEMUXER_BY_FORMAT.webm)).toMatchObject({ width: 320 });
    // the wrong demuxer cannot read it
    await expect(probe('webm', LIMITS, DEMUXER_BY_FORMAT.mp3)).rejects.toMatchObject({ kind: 'corrupt' });
  });
});

describe('probeVideo limits', () => {
  it.each<[string, VideoFixtureName, Partial<VideoProbeLimits>, string]>([
    ['duration', 'mp4', { maxDuration: 1.5 }, 'Video duration of 2 seconds exceeds the limit of 1.5 seconds'],
    ['pixels', 'mp4', { maxPixels: 320 * 239 }, 'Video of 320x240 pixels exceeds the limit of 76480 pixels'],
    ['frame rate', 'mp4', { maxFrameRate: 24 }, 'Video frame rate of 25 frames per second exceeds the limit of 24'],
    ['a header claiming 20000x12000', 'huge', {}, `Video of 20000x12000 pixels exceeds the limit of ${4096 * 4096} pixels`],
  ])('refuses a file over the %s limit', async (_name, fixture, limits, message) => {
    await expect(probe(fixture, { ...LIMITS, ...limits })).rejects.toStrictEqual(new MediaError('too_large', message));
  });

  it('measures a variable frame rate by its average, not its nominal rate', async () => {
    // nominal 30 fps, about 21.4 frames per second stored
    expect(await probe('vfr', { ...LIMITS, maxFrameRate: 25 })).toMatchObject({ frame_rate: 30 });
  });

  it('accepts audio files whatever the pixel limit', async () => {
    expect(await probe('mp3-cover', { ...LIMITS, maxPixels: 1 })).toMatchObject({ is_audio: true });
  });
});

describe('bad input', () => {
  it.each<[string, VideoFixtureName]>([
    ['a truncated mp4', 'truncated'],
    ['text renamed .mp4', 'text'],
    ['an empty file', 'empty'],
  ])('refuses %s as an invalid video', async (_name, fixture) => {
    const error = await probe(fixture).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
  });

  it('treats a missing file as our fault', async () => {
    const error = await probeVideo('/nonexistent/upload.mp4', { limits: LIMITS, timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MediaError);
  });
});

describe('hostile files', () => {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.statusCode = 404;
    response.end();
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const hostile = async (kind: 'hls' | 'ffconcat' | 'dash', use: (path: string) => Promise<void>): Promise<void> => {
    const path = await hostileVideoFile(kind, url);
    try {
      await use(path);
    } finally {
      await rm(dirname(path), { recursive: true, force: true });
    }
  };

  it('the control: a playlist read without our whitelists makes ffprobe fetch from the test server', async () => {
    // Only the URL this time: Debian's ffmpeg refuses a whole playlist that also names /etc/passwd.
    requests.length = 0;
    const playlist = await temp.file(
      'remote.mp4',
      ['#EXTM3U', '#EXT-X-TARGETDURATION:4', '#EXTINF:4.0,', `${url}segment0.ts`, '#EXT-X-ENDLIST', ''].join('\n'),
    );
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-protocol_whitelist',
      'file,http,tcp',
      '-print_format',
      'json',
      '-show_format',
      '-i',
      playlist,
    ];
    await runFfprobe(args, { timeoutMs: 10_000 }).catch(() => undefined);
    expect(requests).toContain('/segment0.ts');
    // the same file through probeVideo: refused, nothing fetched
    requests.length = 0;
    await expect(probeVideo(playlist, { limits: LIMITS, timeoutMs: 10_000 })).rejects.toMatchObject({ kind: 'corrupt' });
    expect(requests).toEqual([]);
  });

  it.each(['hls', 'ffconcat', 'dash'] as const)('probeVideo refuses a %s file as not a video, opening nothing it names', async (kind) => {
    requests.length = 0;
    await hostile(kind, async (path) => {
      const error = await probeVideo(path, { limits: LIMITS, timeoutMs: 10_000 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
      expect(String((error as Error).cause)).toContain(`Format not on whitelist '${DEMUXER_WHITELIST}'`);
    });
    expect(requests).toEqual([]);
  });

  it('a caller cannot force a demuxer that follows references', async () => {
    await hostile('hls', async (path) => {
      await expect(probeVideo(path, { limits: LIMITS, demuxer: 'hls', timeoutMs: 10_000 })).rejects.toThrow(TypeError);
    });
    expect(requests).toEqual([]);
  });

  it.each(['hls', 'ffconcat'] as const)('executeVideoRecipe refuses a %s file even with facts claiming a video', async (kind) => {
    requests.length = 0;
    await hostile(kind, async (path) => {
      const output = `${dirname(path)}/out.mp4`;
      const recipe = {
        output: { kind: 'video', container: 'mp4' },
        trim: { start: 0, end: null },
        geometry: [],
        size: { width: 320, height: 240 },
        video: { codec: 'h264', profile: null, level: null },
        audio: null,
        bitRate: null,
        quality: null,
        fps: null,
        keyframeIntervalSeconds: null,
        effects: [],
      } as const;
      const source = { width: 320, height: 240, duration: 8, frameRate: 25, hasVideo: true, hasAudio: false };
      const imageLimits = { maxInputPixels: 1e8, timeoutSeconds: 10, maxDimension: 4096, maxOutputPixels: 1e8 };
      const error = await executeVideoRecipe(path, output, { ...recipe, effects: [], geometry: [] }, { timeoutMs: 10_000, source, imageLimits }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ kind: 'corrupt', message: 'Invalid video file' });
    });
    expect(requests).toEqual([]);
  });
});
