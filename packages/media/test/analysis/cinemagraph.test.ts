import { videoFixture } from '@rendition/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { measureCinemagraph, MOTION_SIZE } from '../../src/analysis/cinemagraph.ts';
import { MediaError } from '../../src/media-error.ts';
import { useTempDir } from '../media-files.ts';

const temp = useTempDir();
const options = { maxFrames: 10, limits: { maxInputPixels: 50_000_000, timeoutSeconds: 20 }, videoTimeoutMs: 30_000 };
const WIDTH = 120;
const HEIGHT = 90;

/** An animated GIF of `frames` frames; `paint(frame, x, y)` is each pixel's grey level. */
async function animation(name: string, frames: number, paint: (frame: number, x: number, y: number) => number): Promise<string> {
  const data = Buffer.alloc(WIDTH * HEIGHT * frames * 3);
  for (let frame = 0; frame < frames; frame++) {
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) data.fill(paint(frame, x, y), ((frame * HEIGHT + y) * WIDTH + x) * 3, ((frame * HEIGHT + y) * WIDTH + x) * 3 + 3);
    }
  }
  const gif = await sharp(data, { raw: { width: WIDTH, height: HEIGHT * frames, channels: 3, pageHeight: HEIGHT } })
    .gif({ delay: 100 })
    .toBuffer();
  return temp.file(name, gif);
}

/** A bright square sliding along the top-left corner of a still striped background. */
const slidingSquare = (frame: number, x: number, y: number): number => {
  const left = frame * 3;
  if (x >= left && x < left + 12 && y < 12) return 255;
  return x % 20 < 10 ? 40 : 90;
};

describe('measureCinemagraph', () => {
  it('is 0 for a still image, without reading frames', async () => {
    const png = await temp.file(
      'still.png',
      await sharp({ create: { width: 241, height: 51, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    expect(await measureCinemagraph(png, { resourceType: 'image', format: 'png' }, options)).toBe(0);
    const oneFrame = await animation('one.gif', 1, slidingSquare);
    expect(await measureCinemagraph(oneFrame, { resourceType: 'image', format: 'gif' }, options)).toBe(0);
  });

  it('scores an animation where a small part moves over a still picture high', async () => {
    const gif = await animation('square.gif', 8, slidingSquare);
    const score = await measureCinemagraph(gif, { resourceType: 'image', format: 'gif' }, options);
    expect(score).toBeGreaterThan(0.7);
    expect(score).toBeLessThan(1);
  });

  it('scores an animation where everything changes 0, and one where nothing changes 0', async () => {
    const flashing = await animation('flash.gif', 6, (frame) => (frame % 2 === 0 ? 20 : 230));
    expect(await measureCinemagraph(flashing, { resourceType: 'image', format: 'gif' }, options)).toBe(0);
    const frozen = await animation('frozen.gif', 6, (_frame, x) => (x < WIDTH / 2 ? 30 : 200));
    expect(await measureCinemagraph(frozen, { resourceType: 'image', format: 'gif' }, options)).toBe(0);
  });

  it('samples no more than maxFrames (one sampled frame: no motion to see)', async () => {
    const gif = await animation('square-once.gif', 8, slidingSquare);
    expect(await measureCinemagraph(gif, { resourceType: 'image', format: 'gif' }, { ...options, maxFrames: 1 })).toBe(0);
    expect(await measureCinemagraph(gif, { resourceType: 'image', format: 'gif' }, { ...options, maxFrames: 2 })).toBeGreaterThan(0.7);
  });

  it('samples a video over its duration, and scores audio without a picture 0', async () => {
    const mp4 = await videoFixture('mp4');
    const score = await measureCinemagraph(mp4, { resourceType: 'video', format: 'mp4', durationSeconds: 2, hasPicture: true }, options);
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(1);
    expect(await measureCinemagraph(mp4, { resourceType: 'video', format: 'mp4', durationSeconds: 2, hasPicture: false }, options)).toBe(0);
  });

  it('refuses a corrupt animation as the file’s error, and a bad frame count as ours', async () => {
    const gif = await animation('cut.gif', 8, slidingSquare);
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(gif);
    const cut = await temp.file('cut-half.gif', bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(measureCinemagraph(cut, { resourceType: 'image', format: 'gif' }, options)).rejects.toBeInstanceOf(MediaError);
    await expect(measureCinemagraph(gif, { resourceType: 'image', format: 'gif' }, { ...options, maxFrames: 0 })).rejects.toThrow(TypeError);
    expect(MOTION_SIZE).toBeGreaterThan(0);
  });
});
