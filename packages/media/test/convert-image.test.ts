import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CONVERT_TARGETS, convertImage } from '../src/convert-image.ts';
import type { ConvertTarget } from '../src/convert-image.ts';
import { defaultImageLimits } from '../src/image-limits.ts';
import { MediaError } from '../src/media-error.ts';
import { probeImage } from '../src/probe-image.ts';
import { animation, imageFixture, inTempDir, useTempDir } from './media-files.ts';

const temp = useTempDir();

const limits = defaultImageLimits;
const SHARP_NAMES: Record<ConvertTarget, string> = { jpg: 'jpeg', png: 'png', webp: 'webp', avif: 'heif', gif: 'gif', tiff: 'tiff' };

async function centrePixel(path: string): Promise<number[]> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const offset = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [...data.subarray(offset, offset + info.channels)];
}

describe('convertImage', () => {
  it('converts a PNG with alpha to a JPEG of the same size', async () => {
    const output = join(temp.path, 'bird.jpg');
    const probe = await convertImage(imageFixture('embedgravitybird.png'), output, 'jpg', limits);
    expect(probe).toEqual({ format: 'jpg', width: 576, height: 384, pages: 1, hasAlpha: false });
    expect(await probeImage(output, limits)).toEqual(probe);
    expect((await sharp(output).metadata()).format).toBe('jpeg');
  });

  it('flattens transparency onto white for JPEG', async () => {
    const input = await temp.file(
      'clear.png',
      await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
        .png()
        .toBuffer(),
    );
    const output = join(temp.path, 'clear.jpg');
    await convertImage(input, output, 'jpg', limits);
    for (const channel of await centrePixel(output)) expect(channel).toBeGreaterThan(250);
  });

  it.each(CONVERT_TARGETS)('round-trips a 1x1 image through %s', async (target) => {
    const input = await temp.file(
      `dot-${target}.png`,
      await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 30, b: 60 } } })
        .png()
        .toBuffer(),
    );
    const converted = join(temp.path, `dot.${target}`);
    expect(await convertImage(input, converted, target, limits)).toMatchObject({ format: target, width: 1, height: 1, pages: 1 });
    expect((await sharp(converted).metadata()).format).toBe(SHARP_NAMES[target]);

    const back = join(temp.path, `dot-from-${target}.png`);
    expect(await convertImage(converted, back, 'png', limits)).toMatchObject({ format: 'png', width: 1, height: 1 });
  });

  it('applies EXIF orientation to the pixels and drops the tag', async () => {
    const input = await temp.file(
      'sideways.jpg',
      await sharp({ create: { width: 40, height: 20, channels: 3, background: 'blue' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const output = join(temp.path, 'upright.png');
    expect(await convertImage(input, output, 'png', limits)).toEqual({ format: 'png', width: 20, height: 40, pages: 1, hasAlpha: false });
  });

  it('converts a CMYK JPEG', async () => {
    const output = join(temp.path, 'cmyk.webp');
    expect(await convertImage(imageFixture('Channel_digital_image_CMYK_color.jpg'), output, 'webp', limits)).toMatchObject({
      format: 'webp',
      width: 500,
      height: 333,
    });
  });

  it('keeps every frame for animated targets and the first frame otherwise', async () => {
    const input = await temp.file('anim.gif', await animation('gif', 3));
    expect(await convertImage(input, join(temp.path, 'anim.webp'), 'webp', limits)).toMatchObject({ format: 'webp', pages: 3, width: 30, height: 20 });
    expect(await convertImage(input, join(temp.path, 'anim.png'), 'png', limits)).toMatchObject({ format: 'png', pages: 1, width: 30, height: 20 });
  });

  it('replaces an existing output whole', async () => {
    const output = join(temp.path, 'replaced.png');
    await writeFile(output, 'old contents');
    await convertImage(imageFixture('4.webp'), output, 'png', limits);
    expect((await sharp(output).metadata()).format).toBe('png');
  });

  it('leaves nothing behind when the input is corrupt', async () => {
    const bytes = await readFile(imageFixture('2569067123_aca715a2ee_o.jpg'));
    await inTempDir(async (dir) => {
      const input = await dir.file('half.jpg', bytes.subarray(0, bytes.length >> 1));
      const error: unknown = await convertImage(input, join(dir.path, 'out.png'), 'png', limits).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'corrupt' });
      expect(await readdir(dir.path)).toEqual(['half.jpg']);
    });
  });

  it('refuses an oversize image before writing anything', async () => {
    const output = join(temp.path, 'giant.webp');
    await expect(convertImage(imageFixture('giant-image.jpg'), output, 'webp', limits)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(readFile(output)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a target format outside the list at run time', async () => {
    const target = 'bmp' as ConvertTarget;
    await expect(convertImage(imageFixture('4.webp'), join(temp.path, 'x.bmp'), target, limits)).rejects.toMatchObject({ kind: 'unsupported' });
  });

  it('renders an SVG without loading the files it references', async () => {
    await inTempDir(async (dir) => {
      await sharp({ create: { width: 10, height: 10, channels: 3, background: '#ff0000' } })
        .png()
        .toFile(join(dir.path, 'secret.png'));
      const href = (target: string): string => `<image href="${target}" width="10" height="10"/>`;
      const input = await dir.file(
        'probe.svg',
        `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${href('secret.png')}${href(`file://${join(dir.path, 'secret.png')}`)}</svg>`,
      );
      const output = join(dir.path, 'probe.png');
      expect(await convertImage(input, output, 'png', limits)).toMatchObject({ width: 10, height: 10 });
      expect(await centrePixel(output)).toEqual([0, 0, 0, 0]);
    });
  });
});
