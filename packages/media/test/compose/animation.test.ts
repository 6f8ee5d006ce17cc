import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaError, writeAnimation } from '../../src/index.ts';
import { useTempDir } from '../media-files.ts';
import { LIMITS, pixelAt, solidFrame } from './compose-frames.ts';

const temp = useTempDir();

describe('writeAnimation', () => {
  it('writes one GIF frame per image, in order, centred on a canvas as large as the largest', async () => {
    const frames = [
      await solidFrame(temp.path, 'red', 40, 30, { r: 255, g: 0, b: 0 }),
      await solidFrame(temp.path, 'green', 60, 20, { r: 0, g: 255, b: 0 }),
      await solidFrame(temp.path, 'blue', 20, 50, { r: 0, g: 0, b: 255 }),
    ];
    const output = `${temp.path}/out.gif`;
    const written = await writeAnimation(frames, output, { format: 'gif', limits: LIMITS });
    expect(written).toMatchObject({ width: 60, height: 50, pages: 3 });
    const metadata = await sharp(output, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format: 'gif', pages: 3, width: 60, pageHeight: 50, loop: 0 });
    expect(metadata.delay).toEqual([100, 100, 100]);
    expect((await pixelAt(output, 30, 25, 0)).slice(0, 3)).toEqual([255, 0, 0]);
    expect((await pixelAt(output, 30, 25, 1)).slice(0, 3)).toEqual([0, 255, 0]);
    expect((await pixelAt(output, 30, 25, 2)).slice(0, 3)).toEqual([0, 0, 255]);
    // Outside the smaller frames: transparent, not stretched.
    expect((await pixelAt(output, 2, 2, 2))[3]).toBe(0);
  });

  it('writes an animated WebP', async () => {
    const frames = [
      await solidFrame(temp.path, 'a', 16, 16, { r: 10, g: 20, b: 30 }),
      await solidFrame(temp.path, 'b', 16, 16, { r: 200, g: 100, b: 0 }),
    ];
    const output = `${temp.path}/out.webp`;
    await writeAnimation(frames, output, { format: 'webp', limits: LIMITS });
    expect(await sharp(output, { animated: true }).metadata()).toMatchObject({ format: 'webp', pages: 2, width: 16, pageHeight: 16 });
    expect((await pixelAt(output, 8, 8, 1)).slice(0, 3)).toEqual([200, 100, 0]);
  });

  it('refuses an animation beyond the pixel limit before decoding any frame', async () => {
    const frames = await Promise.all([0, 1, 2].map((index) => solidFrame(temp.path, `big${index}`, 100, 100, { r: index, g: 0, b: 0 })));
    const attempt = writeAnimation(frames, `${temp.path}/big.gif`, { format: 'gif', limits: { ...LIMITS, maxOutputPixels: 29_999 } });
    await expect(attempt).rejects.toBeInstanceOf(MediaError);
    await expect(attempt).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('refuses a canvas wider than the largest dimension', async () => {
    const frames = [await solidFrame(temp.path, 'wide', 300, 10, { r: 1, g: 2, b: 3 })];
    await expect(writeAnimation(frames, `${temp.path}/wide.gif`, { format: 'gif', limits: { ...LIMITS, maxDimension: 299 } })).rejects.toMatchObject({
      kind: 'too_large',
    });
  });
});
