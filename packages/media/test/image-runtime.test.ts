import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultImageLimits } from '../src/image-limits.ts';
import { configureImageRuntime } from '../src/image-runtime.ts';
import { probeImage } from '../src/probe-image.ts';
import { imageFixture, makeTempDir, svgDocument } from './media-files.ts';
import type { TempDir } from './media-files.ts';

// sharp's settings are process-wide; vitest runs each test file in its own worker, so they stay here.
let temp: TempDir;
beforeAll(async () => {
  temp = await makeTempDir();
  configureImageRuntime({ threadsPerImage: 2 });
});
afterAll(async () => {
  await temp.remove();
});

describe('configureImageRuntime', () => {
  it('sets the thread count and turns the operation cache off', () => {
    expect(sharp.concurrency()).toBe(2);
    expect(sharp.cache().files.max).toBe(0);
  });

  it('still reads every format the package supports', async () => {
    const base = sharp({ create: { width: 3, height: 2, channels: 3, background: 'olive' } });
    const generated = await Promise.all([
      temp.file('a.tiff', await base.clone().tiff().toBuffer()),
      temp.file('a.avif', await base.clone().avif().toBuffer()),
      temp.file('a.svg', svgDocument(3, 2)),
    ]);
    const paths = [
      imageFixture('4.webp'),
      imageFixture('Crash_test.gif'),
      imageFixture('embedgravitybird.png'),
      imageFixture('Channel_digital_image_CMYK_color.jpg'),
      ...generated,
    ];
    for (const path of paths) await expect(probeImage(path, defaultImageLimits)).resolves.toMatchObject({ pages: 1 });
  });

  it('blocks the loaders uploads never need', async () => {
    const path = join(temp.path, 'native.v');
    await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } }).toFile(path);
    await expect(sharp(path).metadata()).rejects.toThrow(/unsupported image format/);
  });
});
