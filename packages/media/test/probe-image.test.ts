import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { displayedSize } from '../src/displayed-size.ts';
import { defaultImageLimits } from '../src/image-limits.ts';
import { MAX_SVG_BYTES } from '../src/image-source.ts';
import { MediaError } from '../src/media-error.ts';
import { probeImage } from '../src/probe-image.ts';
import { animation, documentFixture, imageFixture, noise, pngHeaderOnly, svgDocument, useTempDir } from './media-files.ts';

const temp = useTempDir();

const limits = defaultImageLimits;

async function rejection(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('probeImage', () => {
  it.each([
    ['2569067123_aca715a2ee_o.jpg', { format: 'jpg', width: 2725, height: 2225, pages: 1, hasAlpha: false }],
    ['Channel_digital_image_CMYK_color.jpg', { format: 'jpg', width: 500, height: 333, pages: 1, hasAlpha: false, orientation: 1 }],
    ['4.webp', { format: 'webp', width: 1024, height: 772, pages: 1, hasAlpha: false }],
    ['Crash_test.gif', { format: 'gif', width: 800, height: 533, pages: 1, hasAlpha: false }],
    ['embedgravitybird.png', { format: 'png', width: 576, height: 384, pages: 1, hasAlpha: true }],
    ['gradients-rgb8.png', { format: 'png', width: 1000, height: 1000, pages: 1, hasAlpha: false }],
  ])('probes %s', async (name, expected) => {
    expect(await probeImage(imageFixture(name), limits)).toEqual(expected);
  });

  it('refuses the giant image under the default limit', async () => {
    const error = await rejection(probeImage(imageFixture('giant-image.jpg'), limits));
    expect(error.kind).toBe('too_large');
    expect(error.message).toBe('Image of 20000x14000 pixels exceeds the limit of 268402689 pixels');
  });

  it('refuses a normal image under a small custom limit', async () => {
    const error = await rejection(probeImage(imageFixture('4.webp'), { maxInputPixels: 1024 * 771, timeoutSeconds: 5 }));
    expect(error.kind).toBe('too_large');
  });

  it('refuses oversize from the header, before any decode', async () => {
    // No real pixel data: a decode would call it corrupt, so too_large proves the header was checked first.
    const path = await temp.file('bomb.png', pngHeaderOnly(100_000, 100_000));
    expect((await rejection(probeImage(path, limits))).kind).toBe('too_large');
  });

  it('counts every frame of an animation against the limit', async () => {
    const path = await temp.file('three-frames.gif', await animation('gif', 3, 30, 20));
    expect(await probeImage(path, limits)).toMatchObject({ format: 'gif', width: 30, height: 20, pages: 3 });
    const error = await rejection(probeImage(path, { maxInputPixels: 30 * 20 * 2, timeoutSeconds: 5 }));
    expect(error).toMatchObject({ kind: 'too_large', message: 'Image of 30x20 pixels x 3 frames exceeds the limit of 1200 pixels' });
  });

  it('probes an animated WebP', async () => {
    const path = await temp.file('two-frames.webp', await animation('webp', 2, 16, 16));
    expect(await probeImage(path, limits)).toMatchObject({ format: 'webp', width: 16, height: 16, pages: 2 });
  });

  it('refuses a JPEG truncated to half its bytes, whose header is intact', async () => {
    const bytes = await readFile(imageFixture('2569067123_aca715a2ee_o.jpg'));
    const path = await temp.file('half.jpg', bytes.subarray(0, bytes.length >> 1));
    const error = await rejection(probeImage(path, limits));
    expect(error).toMatchObject({ kind: 'corrupt', message: 'Invalid image file' });
    expect(error.message).not.toContain(temp.path);
  });

  it('refuses a truncated PNG', async () => {
    const bytes = await readFile(imageFixture('gradients-rgb8.png'));
    const path = await temp.file('half.png', bytes.subarray(0, bytes.length >> 1));
    expect((await rejection(probeImage(path, limits))).kind).toBe('corrupt');
  });

  it.each(['jpeg', 'png'] as const)('refuses a small %s truncated halfway (decoded whole, below the resample threshold)', async (format) => {
    // Noise, so the compressed pixels fill the file and half of it leaves rows undecoded.
    const bytes = await sharp(noise(200 * 150 * 3), { raw: { width: 200, height: 150, channels: 3 } })
      .toFormat(format)
      .toBuffer();
    const whole = await temp.file(`small.${format}`, bytes);
    expect(await probeImage(whole, limits)).toMatchObject({ width: 200, height: 150 });
    const half = await temp.file(`small-half.${format}`, bytes.subarray(0, bytes.length >> 1));
    expect((await rejection(probeImage(half, limits))).kind).toBe('corrupt');
  });

  it.each([
    ['random bytes', () => noise(4096)],
    ['text', () => Buffer.from('just some text\n')],
  ])('refuses %s as unsupported', async (name, make) => {
    const path = await temp.file(`${name}.png`, make());
    expect((await rejection(probeImage(path, limits))).kind).toBe('unsupported');
  });

  it('leaves PDF to the pdf.js probe', async () => {
    expect((await rejection(probeImage(documentFixture('basicapi.pdf'), limits))).kind).toBe('unsupported');
  });

  it('refuses formats libvips reads but uploads never need', async () => {
    const path = join(temp.path, 'native.v');
    await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } }).toFile(path);
    expect((await rejection(probeImage(path, limits))).kind).toBe('unsupported');
  });

  it('probes an SVG at its declared size', async () => {
    const path = await temp.file('drawing.svg', `<?xml version="1.0"?>\n${svgDocument(120, 80)}`);
    expect(await probeImage(path, limits)).toEqual({ format: 'svg', width: 120, height: 80, pages: 1, hasAlpha: true });
  });

  it('applies the pixel limit to the rasterised size of an SVG', async () => {
    const path = await temp.file('huge.svg', svgDocument(100_000, 100_000));
    expect((await rejection(probeImage(path, limits))).kind).toBe('too_large');
  });

  it('refuses an SVG file beyond the byte limit without parsing it', async () => {
    const path = await temp.file('padded.svg', `<svg>${' '.repeat(MAX_SVG_BYTES)}</svg>`);
    expect((await rejection(probeImage(path, limits))).kind).toBe('too_large');
  });

  it('reports the stored size and the EXIF orientation', async () => {
    const bytes = await sharp({ create: { width: 40, height: 20, channels: 3, background: 'blue' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const probe = await probeImage(await temp.file('sideways.jpg', bytes), limits);
    expect(probe).toEqual({ format: 'jpg', width: 40, height: 20, pages: 1, hasAlpha: false, orientation: 6 });
    expect(displayedSize(probe)).toEqual({ width: 20, height: 40 });
  });

  it('probes TIFF and AVIF', async () => {
    const image = sharp({ create: { width: 7, height: 5, channels: 3, background: 'teal' } });
    const tiff = await temp.file('a.tiff', await image.clone().tiff().toBuffer());
    const avif = await temp.file('a.avif', await image.clone().avif().toBuffer());
    expect(await probeImage(tiff, limits)).toMatchObject({ format: 'tiff', width: 7, height: 5, pages: 1, hasAlpha: false });
    expect(await probeImage(avif, limits)).toEqual({ format: 'avif', width: 7, height: 5, pages: 1, hasAlpha: false });
  });

  it('probes bytes held in memory as it probes their file, and refuses the same bad ones', async () => {
    for (const name of ['2569067123_aca715a2ee_o.jpg', 'embedgravitybird.png', 'Crash_test.gif', '4.webp']) {
      const bytes = await readFile(imageFixture(name));
      expect(await probeImage(bytes, limits), name).toEqual(await probeImage(imageFixture(name), limits));
    }
    const svg = Buffer.from(`<?xml version="1.0"?>\n${svgDocument(120, 80)}`);
    expect(await probeImage(svg, limits)).toEqual({ format: 'svg', width: 120, height: 80, pages: 1, hasAlpha: true });
    const jpeg = await readFile(imageFixture('2569067123_aca715a2ee_o.jpg'));
    expect(await rejection(probeImage(jpeg.subarray(0, jpeg.length >> 1), limits))).toMatchObject({ kind: 'corrupt', message: 'Invalid image file' });
    expect((await rejection(probeImage(noise(4096), limits))).kind).toBe('unsupported');
    expect((await rejection(probeImage(Buffer.from(svgDocument(100_000, 100_000)), limits))).kind).toBe('too_large');
  });

  it('refuses SVG bytes in memory beyond the byte limit, and passes other bytes of that size to the decoder', async () => {
    const padded = Buffer.from(`<svg>${' '.repeat(MAX_SVG_BYTES)}</svg>`);
    expect(await rejection(probeImage(padded, limits))).toMatchObject({
      kind: 'too_large',
      message: `SVG files are limited to ${MAX_SVG_BYTES} bytes`,
    });
    // Not an SVG: the size limit is the decoder's (these bytes are no image at all).
    expect((await rejection(probeImage(noise(MAX_SVG_BYTES + 1), limits))).kind).toBe('unsupported');
  });

  it('passes a missing file through as an I/O error, not a bad image', async () => {
    const error: unknown = await probeImage(join(temp.path, 'absent.jpg'), limits).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    { maxInputPixels: 0, timeoutSeconds: 5 },
    { maxInputPixels: 100, timeoutSeconds: 0 },
    { maxInputPixels: 100, timeoutSeconds: 1.5 },
  ])('refuses unbounded limits %j', async (bad) => {
    await expect(probeImage(imageFixture('4.webp'), bad)).rejects.toBeInstanceOf(TypeError);
  });
});
