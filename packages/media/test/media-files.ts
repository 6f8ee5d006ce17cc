import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll } from 'vitest';

export const imageFixture = (name: string): string => fileURLToPath(new URL(`../../../../shared/fixtures/images/${name}`, import.meta.url));

export const documentFixture = (name: string): string => fileURLToPath(new URL(`../../../../shared/fixtures/documents/${name}`, import.meta.url));

export type TempDir = { path: string; file: (name: string, bytes: Uint8Array | string) => Promise<string>; remove: () => Promise<void> };

export async function makeTempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'rendition-media-'));
  return {
    path,
    file: async (name, bytes) => {
      const target = join(path, name);
      await writeFile(target, bytes);
      return target;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Runs `work` in a temporary directory of its own, removed after it whatever happens. */
export async function inTempDir<T>(work: (dir: TempDir) => Promise<T>): Promise<T> {
  const dir = await makeTempDir();
  try {
    return await work(dir);
  } finally {
    await dir.remove();
  }
}

/** A temporary directory made before the calling file's tests and removed after them. */
export function useTempDir(): TempDir {
  let temp: TempDir | undefined;
  beforeAll(async () => {
    temp = await makeTempDir();
  });
  afterAll(async () => {
    await current().remove();
  });
  const current = (): TempDir => {
    if (temp === undefined) throw new Error('the temporary directory is made in beforeAll');
    return temp;
  };
  return {
    get path() {
      return current().path;
    },
    file: (name, bytes) => current().file(name, bytes),
    remove: () => current().remove(),
  };
}

/** A 44-byte PCM WAV header with no samples: all file-type needs to call it audio. */
export function wavHeader(): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(0, 40);
  return header;
}

/** An ISO BMFF `ftyp` box with the given major brand, followed by an empty `mdat`. */
export function ftypBox(majorBrand: string): Buffer {
  const box = Buffer.alloc(32);
  box.writeUInt32BE(24, 0);
  box.write('ftyp', 4, 'ascii');
  box.write(majorBrand, 8, 'ascii');
  box.writeUInt32BE(0x200, 12);
  box.write(majorBrand, 16, 'ascii');
  box.write('mp41', 20, 'ascii');
  box.writeUInt32BE(8, 24);
  box.write('mdat', 28, 'ascii');
  return box;
}

/** A PNG whose header claims `width` x `height` and whose pixel data is one empty zlib stream. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([length, typeAndData, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(0))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deterministic noise, so a test never meets a signature by chance on one run and not the next. */
export function noise(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** An animated image of `frames` solid frames, `width` x `height` each. */
export async function animation(format: 'gif' | 'webp', frames: number, width = 30, height = 20): Promise<Buffer> {
  const images = await Promise.all(
    Array.from({ length: frames }, (_, index) =>
      sharp({ create: { width, height, channels: 3, background: { r: (index * 80) % 256, g: 40, b: 90 } } })
        .png()
        .toBuffer(),
    ),
  );
  const joined = sharp(images, { join: { animated: true } });
  return format === 'gif' ? joined.gif().toBuffer() : joined.webp().toBuffer();
}

export const svgDocument = (width: number, height: number): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height / 2}" fill="#0a0"/></svg>`;
