import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { layoutSprite, SPRITE_SPACING, writeSprite } from '../../src/index.ts';
import { useTempDir } from '../media-files.ts';
import { LIMITS, quadrantFrame } from './compose-frames.ts';

const temp = useTempDir();

describe('layoutSprite', () => {
  it('stacks the images in one column, SPRITE_SPACING apart, as wide as the widest (Cloudinary’s 38px logo, then -40px)', () => {
    expect(SPRITE_SPACING).toBe(2);
    expect(
      layoutSprite([
        { width: 162, height: 38 },
        { width: 206, height: 50 },
        { width: 10, height: 5 },
      ]),
    ).toEqual({
      width: 206,
      height: 38 + 2 + 50 + 2 + 5,
      placements: [
        { x: 0, y: 0, width: 162, height: 38 },
        { x: 0, y: 40, width: 206, height: 50 },
        { x: 0, y: 92, width: 10, height: 5 },
      ],
    });
  });
});

describe('writeSprite', () => {
  it('puts every frame, pixel for pixel, where its placement says', async () => {
    const frames = [
      await quadrantFrame(temp.path, 'a', 30, 20, 1),
      await quadrantFrame(temp.path, 'b', 16, 40, 2),
      await quadrantFrame(temp.path, 'c', 24, 24, 3),
    ];
    const output = `${temp.path}/sprite.png`;
    const sprite = await writeSprite(frames, output, { format: 'png', limits: LIMITS });
    expect(sprite).toMatchObject({ width: 30, height: 20 + 2 + 40 + 2 + 24, pages: 1 });
    for (const [index, frame] of frames.entries()) {
      const { x, y, width, height } = sprite.placements[index]!;
      const cut = await sharp(output).extract({ left: x, top: y, width, height }).ensureAlpha().raw().toBuffer();
      const original = await sharp(frame).ensureAlpha().raw().toBuffer();
      expect(cut.equals(original)).toBe(true);
    }
    // Between two images and beside a narrow one: transparent.
    const gap = await sharp(output).extract({ left: 0, top: 20, width: 1, height: 1 }).ensureAlpha().raw().toBuffer();
    expect(gap[3]).toBe(0);
  });

  it('writes a JPEG sprite on white', async () => {
    const frames = [await quadrantFrame(temp.path, 'j1', 20, 10, 4), await quadrantFrame(temp.path, 'j2', 10, 10, 5)];
    const output = `${temp.path}/sprite.jpg`;
    await writeSprite(frames, output, { format: 'jpg', limits: LIMITS });
    const metadata = await sharp(output).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 20, height: 22 });
    const corner = await sharp(output).extract({ left: 18, top: 20, width: 1, height: 1 }).raw().toBuffer();
    expect([...corner].every((channel) => channel > 240)).toBe(true);
  });

  it('refuses a sprite taller than the largest dimension', async () => {
    const frames = [await quadrantFrame(temp.path, 't1', 10, 60, 1), await quadrantFrame(temp.path, 't2', 10, 60, 2)];
    await expect(writeSprite(frames, `${temp.path}/tall.png`, { format: 'png', limits: { ...LIMITS, maxDimension: 100 } })).rejects.toMatchObject({
      kind: 'too_large',
    });
  });
});
