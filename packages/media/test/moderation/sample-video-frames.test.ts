import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { videoFixture } from '@rendition/testing';
import type { VideoFixtureName } from '@rendition/testing';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { sampleVideoFrames } from '../../src/moderation/sample-video-frames.ts';
import type { VideoFrameSampling } from '../../src/moderation/sample-video-frames.ts';
import { useTempDir } from '../media-files.ts';

// The sampler on the generated fixtures, its frames compared with the system's ffmpeg's own.

const run = promisify(execFile);
const temp = useTempDir();
const SIZE = 48;
const base = { size: SIZE, timeoutMs: 20_000 };

/** The fixture copied alone into a folder of its own, so the folder shows what the sampler left beside it. */
const folders: string[] = [];
async function alone(name: VideoFixtureName): Promise<string> {
  const folder = await mkdtemp(join(temp.path, `${name}-`));
  folders.push(folder);
  const source = await videoFixture(name);
  const target = join(folder, basename(source));
  await copyFile(source, target);
  return target;
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});
const leftBeside = async (path: string): Promise<string[]> => (await readdir(join(path, '..'))).filter((name) => name !== basename(path));

/** The frame the system's ffmpeg shows at `seconds` (rotation applied), stretched to SIZE x SIZE by sharp, optionally turned. */
async function referenceFrame(path: string, seconds: number, rotate = 0): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', String(seconds), '-i', path, '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return sharp(stdout).rotate(rotate).resize({ width: SIZE, height: SIZE, fit: 'fill' }).removeAlpha().raw().toBuffer();
}
const difference = (a: Uint8Array, b: Uint8Array): number => a.reduce((sum, value, index) => sum + Math.abs(value - (b[index] ?? 0)), 0) / a.length;

describe('sampleVideoFrames', () => {
  it('takes evenly spread frames, each the frame shown at its time', async () => {
    const path = await alone('mp4');
    const frames = await sampleVideoFrames(path, { ...base, count: 4, durationSeconds: 2, format: 'mp4' });
    expect(frames.map((frame) => frame.timeOffset)).toEqual([0.25, 0.75, 1.25, 1.75]);
    for (const frame of frames) {
      expect(frame.pixels.width).toBe(SIZE);
      expect(frame.pixels.height).toBe(SIZE);
      expect(frame.pixels.data).toBeInstanceOf(Uint8Array);
      expect(frame.pixels.data.length).toBe(SIZE * SIZE * 3);
    }
    const references = await Promise.all(frames.map((frame) => referenceFrame(path, frame.timeOffset)));
    frames.forEach((frame, index) => {
      const own = difference(frame.pixels.data, references[index]!);
      expect(own).toBeLessThan(3);
      // the test pattern moves: every other time's frame is clearly further away
      references.forEach((other, otherIndex) => {
        if (otherIndex !== index) expect(difference(frame.pixels.data, other)).toBeGreaterThan(own + 3);
      });
    });
    expect(await leftBeside(path)).toEqual([]);
  });

  it('shows a rotated clip as displayed', async () => {
    const rotated = await sampleVideoFrames(await alone('rotated'), { ...base, count: 1, durationSeconds: 2, format: 'mp4' });
    const plain = await videoFixture('mp4');
    expect(rotated[0]!.timeOffset).toBe(1);
    expect(difference(rotated[0]!.pixels.data, await referenceFrame(plain, 1, 90))).toBeLessThan(3);
    expect(difference(rotated[0]!.pixels.data, await referenceFrame(plain, 1, 0))).toBeGreaterThan(10);
  });

  it('reads every allowed container, an animated GIF included', async () => {
    for (const [name, format, durationSeconds] of [
      ['gif', 'gif', 1],
      ['webm', 'webm', 1],
      ['mkv', 'mkv', 1],
      ['avi', 'avi', 1],
      ['10bit', 'mp4', 1],
      ['vfr', 'mp4', 2],
    ] as const) {
      const frames = await sampleVideoFrames(await alone(name), { ...base, count: 2, durationSeconds, format });
      expect([name, frames.map((frame) => frame.timeOffset)]).toEqual([name, [durationSeconds / 4, (durationSeconds * 3) / 4]]);
      expect(frames.every((frame) => frame.pixels.data.length === SIZE * SIZE * 3)).toBe(true);
    }
  });

  it('leaves out the times past the picture’s end', async () => {
    const frames = await sampleVideoFrames(await alone('mp4'), { ...base, count: 5, durationSeconds: 10, format: 'mp4' });
    expect(frames.map((frame) => frame.timeOffset)).toEqual([1]);
  });

  it('takes one frame of a clip without duration', async () => {
    const frames = await sampleVideoFrames(await alone('mp4'), { ...base, count: 3, durationSeconds: 0, format: 'mp4' });
    expect(frames.map((frame) => frame.timeOffset)).toEqual([0]);
  });

  it('refuses a file with no frame at the times asked as unsupported', async () => {
    const path = await alone('mp3-cover');
    await expect(sampleVideoFrames(path, { ...base, count: 2, durationSeconds: 1, format: 'mp3' })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'unsupported',
      message: 'The video has no frame to show',
    });
    expect(await leftBeside(path)).toEqual([]);
  });

  it('refuses a sound file and unreadable files as MediaErrors, cleaning up', async () => {
    for (const [name, format] of [
      ['mp3', 'mp3'],
      ['text', 'mp4'],
      ['truncated', 'mp4'],
      ['empty', 'mp4'],
      // a WebM read as the MP4 it claims to be: the forced demuxer refuses it
      ['webm', 'mp4'],
    ] as const) {
      const path = await alone(name);
      const refused = sampleVideoFrames(path, { ...base, count: 2, durationSeconds: 1, format });
      await expect(refused).rejects.toBeInstanceOf(MediaError);
      await expect(refused).rejects.toMatchObject({ kind: 'corrupt' });
      expect([name, await leftBeside(path)]).toEqual([name, []]);
    }
  });

  it('refuses a format ffmpeg may not read without starting it', async () => {
    const path = await alone('mp4');
    for (const format of ['hls', 'concat', 'png', '__proto__', '']) {
      await expect(sampleVideoFrames(path, { ...base, count: 1, durationSeconds: 2, format })).rejects.toMatchObject({
        name: 'MediaError',
        kind: 'unsupported',
        message: 'Unsupported video format',
      });
    }
    expect(await leftBeside(path)).toEqual([]);
  });

  it('stops at the deadline with a timeout MediaError', async () => {
    const path = await alone('mp4');
    await expect(sampleVideoFrames(path, { ...base, timeoutMs: 1, count: 4, durationSeconds: 2, format: 'mp4' })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'timeout',
    });
    expect(await leftBeside(path)).toEqual([]);
  });

  it('stops when the signal fires, with its reason', async () => {
    const path = await alone('mp4');
    const before = new AbortController();
    before.abort(new Error('job cancelled'));
    await expect(sampleVideoFrames(path, { ...base, count: 2, durationSeconds: 2, format: 'mp4', signal: before.signal })).rejects.toThrow(
      'job cancelled',
    );

    const during = new AbortController();
    const sampling = sampleVideoFrames(path, { ...base, count: 20, durationSeconds: 2, format: 'mp4', signal: during.signal });
    setTimeout(() => during.abort(new Error('worker shutting down')), 150);
    await expect(sampling).rejects.toThrow('worker shutting down');
    expect(await leftBeside(path)).toEqual([]);
  });

  it('refuses bad options before touching the file', async () => {
    const path = join(temp.path, 'absent.mp4');
    const options: VideoFrameSampling = { ...base, count: 2, durationSeconds: 2, format: 'mp4' };
    for (const bad of [
      { count: 0 },
      { count: 2.5 },
      { durationSeconds: -1 },
      { durationSeconds: Number.NaN },
      { size: 0 },
      { timeoutMs: 0 },
      { timeoutMs: 1.5 },
    ]) {
      await expect(sampleVideoFrames(path, { ...options, ...bad })).rejects.toThrow(TypeError);
    }
  });
});
