import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { MediaError } from '../../src/media-error.ts';
import { decodeForClassifier, MAX_CLASSIFIER_SIZE } from '../../src/moderation/decode-for-classifier.ts';
import { imageFixture, useTempDir } from '../media-files.ts';

const temp = useTempDir();
const LIMITS = { maxInputPixels: 50_000_000, timeoutSeconds: 20 };

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];

/** Raw RGB(A) of `width` x `height` where `colour(x, y)` gives each pixel. */
function raw(width: number, height: number, channels: 3 | 4, colour: (x: number, y: number) => number[]): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * channels);
  return data;
}
const pixelAt = (pixels: { data: Uint8Array; width: number }, x: number, y: number): number[] => [
  ...pixels.data.subarray((y * pixels.width + x) * 3, (y * pixels.width + x) * 3 + 3),
];
/** Left half red, right half blue. */
const halves = (width: number, height: number): Buffer => raw(width, height, 3, (x) => (x < width / 2 ? RED : BLUE));
const near = (actual: number[], expected: number[], tolerance = 2): boolean =>
  actual.every((value, index) => Math.abs(value - expected[index]!) <= tolerance);

async function file(name: string, image: Sharp | Promise<Buffer>): Promise<string> {
  return temp.file(name, image instanceof Promise ? await image : await image.toBuffer());
}

describe('decodeForClassifier', () => {
  it('gives size x size RGB bytes of a real photo', async () => {
    const pixels = await decodeForClassifier(imageFixture('2569067123_aca715a2ee_o.jpg'), 224, LIMITS);
    expect(pixels.width).toBe(224);
    expect(pixels.height).toBe(224);
    expect(pixels.data).toBeInstanceOf(Uint8Array);
    expect(pixels.data.length).toBe(224 * 224 * 3);
    expect(new Set(pixels.data).size).toBeGreaterThan(100);
  });

  it('stretches the whole picture into the square, cropping and padding nothing', async () => {
    // a red band on the left quarter: a centre crop would lose it, letterboxing would add rows of another colour
    const image = raw(200, 100, 3, (x) => (x < 50 ? RED : BLUE));
    const wide = await file('wide.png', sharp(image, { raw: { width: 200, height: 100, channels: 3 } }).png());
    const pixels = await decodeForClassifier(wide, 16, LIMITS);
    for (let y = 0; y < 16; y++) {
      for (const x of [0, 2]) expect([x, y, near(pixelAt(pixels, x, y), RED)]).toEqual([x, y, true]);
      for (const x of [6, 15]) expect([x, y, near(pixelAt(pixels, x, y), BLUE)]).toEqual([x, y, true]);
    }
  });

  it('enlarges a small image to the square', async () => {
    const small = await file('small.png', sharp(halves(4, 2), { raw: { width: 4, height: 2, channels: 3 } }).png());
    const pixels = await decodeForClassifier(small, 32, LIMITS);
    expect(pixels.data.length).toBe(32 * 32 * 3);
    expect(near(pixelAt(pixels, 0, 31), RED)).toBe(true);
    expect(near(pixelAt(pixels, 31, 0), BLUE)).toBe(true);
  });

  it('shows the image as displayed: EXIF orientation applied', async () => {
    // stored 40x20 red | blue; orientation 6 turns it 90° clockwise: red on top, blue below
    const stored = sharp(halves(40, 20), { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 });
    const path = await file('oriented.jpg', stored);
    expect((await sharp(path).metadata()).orientation).toBe(6);
    const pixels = await decodeForClassifier(path, 16, LIMITS);
    expect(near(pixelAt(pixels, 8, 1), RED, 40)).toBe(true);
    expect(near(pixelAt(pixels, 8, 14), BLUE, 40)).toBe(true);
  });

  it('composites transparency onto white', async () => {
    const image = raw(10, 10, 4, (x) => (x < 5 ? [255, 0, 0, 0] : [0, 0, 0, 128]));
    const path = await file('transparent.png', sharp(image, { raw: { width: 10, height: 10, channels: 4 } }).png());
    const pixels = await decodeForClassifier(path, 10, LIMITS);
    expect(pixels.data.length).toBe(10 * 10 * 3);
    expect(pixelAt(pixels, 0, 0)).toEqual([255, 255, 255]);
    expect(near(pixelAt(pixels, 9, 9), [127, 127, 127], 2)).toBe(true);
  });

  it('composites a real PNG with alpha to RGB', async () => {
    const pixels = await decodeForClassifier(imageFixture('embedgravitybird.png'), 64, LIMITS);
    expect(pixels.data.length).toBe(64 * 64 * 3);
  });

  it('takes the first frame of an animation only', async () => {
    // two 8x8 frames: red, then blue
    const frames = raw(8, 16, 3, (_x, y) => (y < 8 ? RED : BLUE));
    const path = await file('animated.gif', sharp(frames, { raw: { width: 8, height: 16, channels: 3, pageHeight: 8 } }).gif());
    expect((await sharp(path).metadata()).pages).toBe(2);
    const pixels = await decodeForClassifier(path, 8, LIMITS);
    for (let i = 0; i < 64; i++) expect(near(pixelAt(pixels, i % 8, Math.floor(i / 8)), RED, 8)).toBe(true);
  });

  it('gives RGB for grey, 16-bit and CMYK inputs', async () => {
    const grey = await file('grey.png', sharp(Buffer.alloc(16, 200), { raw: { width: 4, height: 4, channels: 1 } }).png());
    const greyPixels = await decodeForClassifier(grey, 4, LIMITS);
    expect(greyPixels.data.length).toBe(4 * 4 * 3);
    expect(pixelAt(greyPixels, 2, 2)).toEqual([200, 200, 200]);

    const deep = await file(
      'deep.png',
      sharp(halves(8, 8), { raw: { width: 8, height: 8, channels: 3 } })
        .toColourspace('rgb16')
        .png(),
    );
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const deepPixels = await decodeForClassifier(deep, 8, LIMITS);
    expect(deepPixels.data.length).toBe(8 * 8 * 3);
    expect(near(pixelAt(deepPixels, 0, 0), RED)).toBe(true);

    const cmyk = await decodeForClassifier(imageFixture('Channel_digital_image_CMYK_color.jpg'), 32, LIMITS);
    expect(cmyk.data.length).toBe(32 * 32 * 3);
  });

  it('renders an SVG', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="#0000ff"/></svg>';
    const pixels = await decodeForClassifier(await temp.file('blue.svg', svg), 8, LIMITS);
    expect(pixelAt(pixels, 4, 4)).toEqual(BLUE);
  });

  it('gives the same bytes for the same file', async () => {
    const first = await decodeForClassifier(imageFixture('4.webp'), 64, LIMITS);
    const again = await decodeForClassifier(imageFixture('4.webp'), 64, LIMITS);
    expect(Buffer.from(again.data).equals(Buffer.from(first.data))).toBe(true);
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    const refused = decodeForClassifier(imageFixture('giant-image.jpg'), 224, defaultImageLimits);
    await expect(refused).rejects.toBeInstanceOf(MediaError);
    await expect(refused).rejects.toMatchObject({ kind: 'too_large' });
    const small = await file('twenty.png', sharp(halves(20, 20), { raw: { width: 20, height: 20, channels: 3 } }).png());
    await expect(decodeForClassifier(small, 8, { maxInputPixels: 399, timeoutSeconds: 5 })).rejects.toMatchObject({ kind: 'too_large' });
    await expect(decodeForClassifier(small, 8, { maxInputPixels: 400, timeoutSeconds: 5 })).resolves.toMatchObject({ width: 8 });
  });

  it('refuses corrupt and unknown files as MediaErrors', async () => {
    const png = await sharp(halves(64, 64), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const truncated = await temp.file('truncated.png', png.subarray(0, png.length - 40));
    await expect(decodeForClassifier(truncated, 8, LIMITS)).rejects.toMatchObject({ name: 'MediaError', kind: 'corrupt' });
    const text = await temp.file('text.jpg', 'not an image at all, only words\n'.repeat(20));
    await expect(decodeForClassifier(text, 8, LIMITS)).rejects.toMatchObject({ name: 'MediaError', kind: 'unsupported' });
  });

  it('passes a missing file through as ours, not a MediaError', async () => {
    const missing = decodeForClassifier(`${temp.path}/absent.png`, 8, LIMITS);
    await expect(missing).rejects.not.toBeInstanceOf(MediaError);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a bad size or limits before opening the file', async () => {
    for (const size of [0, -1, 2.5, MAX_CLASSIFIER_SIZE + 1, Number.NaN]) {
      await expect(decodeForClassifier(`${temp.path}/absent.png`, size, LIMITS)).rejects.toThrow(TypeError);
    }
    await expect(decodeForClassifier(`${temp.path}/absent.png`, 8, { maxInputPixels: 0, timeoutSeconds: 5 })).rejects.toThrow(TypeError);
    await expect(decodeForClassifier(`${temp.path}/absent.png`, 8, { maxInputPixels: 100, timeoutSeconds: 0 })).rejects.toThrow(TypeError);
  });
});
