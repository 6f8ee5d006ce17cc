import sharp from 'sharp';

/**
 * A small PNG (about 5 KB), the same bytes on every run: a 40x40 RGB pattern from a fixed-seed
 * PRNG, noisy enough that deflate leaves it near the target size.
 */
export async function smallPng(): Promise<Buffer> {
  const width = 40;
  const height = 40;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 0x2545f491;
  for (let i = 0; i < pixels.length; i += 1) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const gradient = ((i / 3) % width) * 4;
    pixels[i] = (gradient + ((seed >>> 0) % 48)) & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
