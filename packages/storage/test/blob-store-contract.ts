import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BlobNotFoundError,
  InvalidKeyError,
  InvalidRangeError,
  largeUploadKey,
  MissingPartError,
  PartSizeMismatchError,
  type BlobInfo,
  type BlobStore,
} from '@rendition/storage';

export interface StoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
  /** Whatever the driver still holds of assemblies (fs: part files; S3: ListMultipartUploads), as names. */
  leftoverParts(): Promise<string[]>;
}

export interface ContractOptions {
  /** Whether head() returns the content type given to put(). */
  keepsContentType: boolean;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await stream.toArray());
}

export async function listAll(store: BlobStore, prefix: string): Promise<BlobInfo[]> {
  const found: BlobInfo[] = [];
  for await (const info of store.list(prefix)) found.push(info);
  return found;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

const MIB = 1024 * 1024;
/** S3's smallest part but the last. */
const MIN_PART = 5 * MIB;

/** Many small chunks, so drivers see a real stream and not one buffer in disguise. */
function chunked(bytes: Buffer, chunkSize = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
    })(),
  );
}

export function failingStream(bytesBeforeFailure: number, chunkSize = 64 * 1024): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < bytesBeforeFailure; sent += chunkSize) yield randomBytes(Math.min(chunkSize, bytesBeforeFailure - sent));
      throw new Error('source broke midway');
    })(),
  );
}

export const UNSAFE_KEYS = ['../x', '/abs', 'a//b', 'a/../b', 'a/./b', 'a/', '', 'a b', 'a\\b', 'x'.repeat(1025)];

export function describeBlobStoreContract(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  options: ContractOptions = { keepsContentType: false },
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.store.close();
      await subject.cleanup();
    });

    it('round-trips a Buffer', async () => {
      const bytes = randomBytes(1234);
      expect(await store.put('a/b/c', bytes)).toEqual({ size: 1234 });
      expect(await readAll(await store.get('a/b/c'))).toEqual(bytes);
    });

    it('stores a local file with putFile and writes an object to a new local file with getFile', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rendition-contract-'));
      try {
        const bytes = randomBytes(300 * 1024 + 7);
        await writeFile(join(dir, 'in'), bytes);
        expect(await store.putFile('files/a.bin', join(dir, 'in'), { contentType: 'application/octet-stream' })).toEqual({ size: bytes.length });
        expect(sha256(await readAll(await store.get('files/a.bin')))).toBe(sha256(bytes));
        expect(await store.getFile('files/a.bin', join(dir, 'out'))).toEqual({ size: bytes.length });
        expect(sha256(await readFile(join(dir, 'out')))).toBe(sha256(bytes));
        // Never overwrites a local file, and a missing object is BlobNotFoundError with no file left.
        await expect(store.getFile('files/a.bin', join(dir, 'out'))).rejects.toThrow();
        await expect(store.getFile('files/missing.bin', join(dir, 'none'))).rejects.toBeInstanceOf(BlobNotFoundError);
        await expect(stat(join(dir, 'none'))).rejects.toThrow(/ENOENT/);
        await expect(store.putFile('files/b.bin', join(dir, 'no-such-file'))).rejects.toThrow(/ENOENT/);
        expect(await store.head('files/b.bin')).toBeNull();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('round-trips an empty object', async () => {
      expect(await store.put('empty', Buffer.alloc(0))).toEqual({ size: 0 });
      expect((await readAll(await store.get('empty'))).length).toBe(0);
      expect((await store.head('empty'))?.size).toBe(0);
    });

    it('round-trips a multi-chunk stream of unknown length', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      expect(await store.put('big/stream', chunked(bytes))).toEqual({ size: bytes.length });
      const back = await readAll(await store.get('big/stream'));
      expect(back.length).toBe(bytes.length);
      expect(sha256(back)).toBe(sha256(bytes));
    });

    it('serves byte ranges with an inclusive end', async () => {
      const bytes = randomBytes(1000);
      await store.put('ranged', bytes);
      expect(await readAll(await store.get('ranged', { start: 0, end: 0 }))).toEqual(bytes.subarray(0, 1));
      expect(await readAll(await store.get('ranged', { start: 100, end: 199 }))).toEqual(bytes.subarray(100, 200));
      expect(await readAll(await store.get('ranged', { start: 900 }))).toEqual(bytes.subarray(900));
      expect(await readAll(await store.get('ranged', { start: 999, end: 999 }))).toEqual(bytes.subarray(999));
      expect(await readAll(await store.get('ranged', { start: 990, end: 5000 }))).toEqual(bytes.subarray(990));
    });

    it('refuses a range that starts past the end, and a malformed one', async () => {
      await store.put('ranged', randomBytes(10));
      await expect(store.get('ranged', { start: 10 })).rejects.toBeInstanceOf(InvalidRangeError);
      await expect(store.get('ranged', { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get('ranged', { start: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get('missing', { start: 0 })).rejects.toBeInstanceOf(BlobNotFoundError);
      await store.put('empty', Buffer.alloc(0));
      await expect(store.get('empty', { start: 0 })).rejects.toBeInstanceOf(InvalidRangeError);
    });

    it('reports size (and content type where kept) from head', async () => {
      await store.put('headed', randomBytes(321), { contentType: 'image/png' });
      const info = await store.head('headed');
      expect(info).toMatchObject({ key: 'headed', size: 321 });
      expect(info?.lastModified).toBeInstanceOf(Date);
      if (options.keepsContentType) expect(info?.contentType).toBe('image/png');
    });

    it('answers null from head and BlobNotFoundError from get for a missing key', async () => {
      await store.put('present/child', Buffer.from('x'));
      expect(await store.head('missing')).toBeNull();
      // A prefix of other keys is not itself an object, nor is a path through an object.
      expect(await store.head('present')).toBeNull();
      expect(await store.head('present/child/deeper')).toBeNull();
      const error = await store.get('missing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobNotFoundError);
      expect((error as BlobNotFoundError).key).toBe('missing');
      await expect(store.get('present')).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('deletes idempotently', async () => {
      await store.delete('never/existed');
      await store.put('doomed/one', Buffer.from('bye'));
      await store.put('doomed/two', Buffer.from('stays'));
      await store.delete('doomed/one');
      await store.delete('doomed/one');
      await store.delete('doomed');
      expect(await store.head('doomed/one')).toBeNull();
      expect(await readAll(await store.get('doomed/two'))).toEqual(Buffer.from('stays'));
      await store.put('doomed/one', Buffer.from('back'));
      expect(await readAll(await store.get('doomed/one'))).toEqual(Buffer.from('back'));
    });

    it('lists exactly the keys under a prefix, in key order', async () => {
      // No sibling segments that sort around "/" ("a-b" vs "a/"): s3rver walks its directory tree
      // in name order and pages by StartAfter, so it would skip such keys (real S3 does not).
      // The filesystem suite covers that ordering on its own.
      const keys = [
        'assets/a/v1/original',
        'assets/a/v1/derived/h1.jpg',
        'assets/a/v1/derived/h2.webp',
        'assets/ab/v1/original',
        'assets/b/v1/original',
        'staging/u1',
      ];
      for (const [i, key] of keys.entries()) await store.put(key, randomBytes(i + 1));
      const keysUnder = async (prefix: string) => (await listAll(store, prefix)).map((info) => info.key);

      expect(await keysUnder('assets/a/')).toEqual(['assets/a/v1/derived/h1.jpg', 'assets/a/v1/derived/h2.webp', 'assets/a/v1/original']);
      expect(await keysUnder('assets/a')).toEqual([
        'assets/a/v1/derived/h1.jpg',
        'assets/a/v1/derived/h2.webp',
        'assets/a/v1/original',
        'assets/ab/v1/original',
      ]);
      expect(await keysUnder('')).toEqual([...keys].sort());
      expect(await keysUnder('staging/u1')).toEqual(['staging/u1']);
      expect(await keysUnder('nothing/')).toEqual([]);

      const sizes = Object.fromEntries((await listAll(store, '')).map((info) => [info.key, info.size]));
      expect(sizes).toEqual(Object.fromEntries(keys.map((key, i) => [key, i + 1])));
    });

    it('replaces an object on overwrite', async () => {
      await store.put('over', randomBytes(5000));
      const second = randomBytes(10);
      await store.put('over', chunked(second, 3));
      expect(await readAll(await store.get('over'))).toEqual(second);
      expect((await store.head('over'))?.size).toBe(10);
    });

    it('leaves no object when the source stream fails midway', async () => {
      await expect(store.put('broken', failingStream(256 * 1024))).rejects.toThrow('source broke midway');
      expect(await store.head('broken')).toBeNull();
      expect(await listAll(store, '')).toEqual([]);
    });

    it('keeps the old object when an overwrite fails midway', async () => {
      const original = randomBytes(100);
      await store.put('kept', original);
      await expect(store.put('kept', failingStream(128 * 1024))).rejects.toThrow('source broke midway');
      expect(await readAll(await store.get('kept'))).toEqual(original);
    });

    describe('assemblies (chunked uploads)', () => {
      const assembly = largeUploadKey('session-1');

      it('joins parts sent out of order and concurrently into the exact bytes, 5 MiB + 5 MiB + 1 byte', async () => {
        const bytes = randomBytes(2 * MIN_PART + 1);
        const slices = [bytes.subarray(0, MIN_PART), bytes.subarray(MIN_PART, 2 * MIN_PART), bytes.subarray(2 * MIN_PART)];
        const { driverState } = await store.beginParts(assembly);
        // Part 2 without its size: the S3 driver spools it; the others stream with a known length.
        const sent = await Promise.all(
          [3, 1, 2].map(async (partNumber) => {
            const slice = slices[partNumber - 1] as Buffer;
            const size = partNumber === 2 ? undefined : slice.length;
            return { partNumber, stored: await store.putPart(assembly, driverState, partNumber, chunked(slice, 256 * 1024), size) };
          }),
        );
        for (const { partNumber, stored } of sent) {
          const slice = slices[partNumber - 1] as Buffer;
          expect(stored, `part ${partNumber}`).toMatchObject({ size: slice.length, md5: md5(slice) });
        }
        const parts = sent.map(({ partNumber, stored }) => ({ partNumber, etag: stored.etag }));
        expect(await store.completeParts(assembly, driverState, 'staging/joined', parts)).toEqual({ size: bytes.length });
        const back = await readAll(await store.get('staging/joined'));
        expect(back.length).toBe(bytes.length);
        expect(sha256(back)).toBe(sha256(bytes));
        expect((await store.head('staging/joined'))?.size).toBe(bytes.length);
        expect((await listAll(store, '')).map((info) => info.key)).toEqual(['staging/joined']);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('keeps the second of a part stored twice, and a part sent twice at once, once', async () => {
        const first = randomBytes(MIN_PART);
        const second = randomBytes(MIN_PART);
        const tail = randomBytes(1000);
        const { driverState } = await store.beginParts(assembly);
        await store.putPart(assembly, driverState, 1, chunked(first), first.length);
        const replaced = await store.putPart(assembly, driverState, 1, chunked(second), second.length);
        expect(replaced.md5).toBe(md5(second));
        // A retried chunk: the same part twice in parallel.
        const [a, b] = await Promise.all([1, 2].map(() => store.putPart(assembly, driverState, 2, chunked(tail, 100), tail.length)));
        expect(a?.md5).toBe(md5(tail));
        expect(b?.md5).toBe(md5(tail));
        const parts = [
          { partNumber: 2, etag: b?.etag },
          { partNumber: 1, etag: replaced.etag },
        ];
        expect(await store.completeParts(assembly, driverState, 'joined', parts)).toEqual({ size: second.length + tail.length });
        expect((await readAll(await store.get('joined'))).equals(Buffer.concat([second, tail]))).toBe(true);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('adopts stored objects as parts, consuming them, and joins them with streamed parts', async () => {
        const first = randomBytes(MIN_PART);
        const second = randomBytes(777);
        await store.put('staging/chunk-a', chunked(first));
        await store.put('staging/chunk-b', second);
        const { driverState } = await store.beginParts(assembly);
        const adopted = await store.adoptPart(assembly, driverState, 1, 'staging/chunk-a');
        expect(adopted.size).toBe(first.length);
        // Adopted over a part already held: the adopted bytes win.
        await store.putPart(assembly, driverState, 2, chunked(randomBytes(50)), 50);
        const last = await store.adoptPart(assembly, driverState, 2, 'staging/chunk-b');
        expect(last.size).toBe(second.length);
        expect(await store.head('staging/chunk-a')).toBeNull();
        expect(await store.head('staging/chunk-b')).toBeNull();
        await expect(store.adoptPart(assembly, driverState, 3, 'staging/chunk-a')).rejects.toBeInstanceOf(BlobNotFoundError);
        const parts = [
          { partNumber: 1, etag: adopted.etag },
          { partNumber: 2, etag: last.etag },
        ];
        expect(await store.completeParts(assembly, driverState, 'joined', parts)).toEqual({ size: first.length + second.length });
        expect((await readAll(await store.get('joined'))).equals(Buffer.concat([first, second]))).toBe(true);
        expect((await listAll(store, '')).map((info) => info.key)).toEqual(['joined']);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('leaves nothing after abortParts, which is idempotent', async () => {
        const { driverState } = await store.beginParts(assembly);
        await store.putPart(assembly, driverState, 1, chunked(randomBytes(MIN_PART)), MIN_PART);
        await store.putPart(assembly, driverState, 2, chunked(randomBytes(10)));
        expect((await subject.leftoverParts()).length).toBeGreaterThan(0);
        await store.abortParts(assembly, driverState);
        expect(await subject.leftoverParts()).toEqual([]);
        await store.abortParts(assembly, driverState);
        await store.abortParts(largeUploadKey('never-begun'), driverState === undefined ? undefined : 'no-such-upload');
        await expect(store.completeParts(assembly, driverState, 'joined', [{ partNumber: 1 }, { partNumber: 2 }])).rejects.toBeInstanceOf(
          MissingPartError,
        );
        expect(await store.head('joined')).toBeNull();
        expect(await listAll(store, '')).toEqual([]);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('completes into the assembly key itself, without ETags given back, and an empty single part', async () => {
        const bytes = randomBytes(MIN_PART + 3);
        const { driverState } = await store.beginParts(assembly);
        await store.putPart(assembly, driverState, 2, chunked(bytes.subarray(MIN_PART)), 3);
        await store.putPart(assembly, driverState, 1, chunked(bytes.subarray(0, MIN_PART)), MIN_PART);
        expect(await store.completeParts(assembly, driverState, assembly, [{ partNumber: 1 }, { partNumber: 2 }])).toEqual({ size: bytes.length });
        expect((await readAll(await store.get(assembly))).equals(bytes)).toBe(true);

        const empty = largeUploadKey('session-empty');
        const begun = await store.beginParts(empty);
        expect(await store.putPart(empty, begun.driverState, 1, Readable.from([]), 0)).toMatchObject({ size: 0, md5: md5(Buffer.alloc(0)) });
        expect(await store.completeParts(empty, begun.driverState, 'empty', [{ partNumber: 1 }])).toEqual({ size: 0 });
        expect((await store.head('empty'))?.size).toBe(0);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('refuses a part whose body is not its declared size, or fails midway, and keeps the part it held', async () => {
        const good = randomBytes(1000);
        const { driverState } = await store.beginParts(assembly);
        const stored = await store.putPart(assembly, driverState, 1, chunked(good, 100), good.length);
        await expect(store.putPart(assembly, driverState, 1, chunked(randomBytes(999), 100), 1000)).rejects.toBeInstanceOf(PartSizeMismatchError);
        await expect(store.putPart(assembly, driverState, 1, chunked(randomBytes(1001), 100), 1000)).rejects.toBeInstanceOf(PartSizeMismatchError);
        await expect(store.putPart(assembly, driverState, 1, chunked(randomBytes(1000), 1000), 999)).rejects.toBeInstanceOf(PartSizeMismatchError);
        await expect(store.putPart(assembly, driverState, 1, failingStream(256 * 1024), 512 * 1024)).rejects.toThrow('source broke midway');
        await expect(store.putPart(assembly, driverState, 1, failingStream(256 * 1024))).rejects.toThrow('source broke midway');
        expect(await store.completeParts(assembly, driverState, 'joined', [{ partNumber: 1, etag: stored.etag }])).toEqual({ size: 1000 });
        expect((await readAll(await store.get('joined'))).equals(good)).toBe(true);
        expect(await subject.leftoverParts()).toEqual([]);
      });

      it('fails completeParts on a part it does not hold, writing nothing', async () => {
        const { driverState } = await store.beginParts(assembly);
        await store.putPart(assembly, driverState, 1, chunked(randomBytes(100)), 100);
        await expect(store.completeParts(assembly, driverState, 'joined', [{ partNumber: 1 }, { partNumber: 2 }])).rejects.toBeInstanceOf(
          MissingPartError,
        );
        expect(await store.head('joined')).toBeNull();
        await store.abortParts(assembly, driverState);
      });

      it('refuses bad part numbers, bad part lists and unsafe assembly keys before any I/O', async () => {
        const { driverState } = await store.beginParts(assembly);
        for (const partNumber of [0, -1, 1.5, 10_001, Number.NaN]) {
          await expect(
            store.putPart(assembly, driverState, partNumber, Readable.from([Buffer.from('x')]), 1),
            String(partNumber),
          ).rejects.toBeInstanceOf(RangeError);
        }
        await expect(store.putPart(assembly, driverState, 1, Readable.from([Buffer.from('x')]), -1)).rejects.toBeInstanceOf(RangeError);
        await expect(store.completeParts(assembly, driverState, 'joined', [])).rejects.toBeInstanceOf(RangeError);
        await expect(store.completeParts(assembly, driverState, 'joined', [{ partNumber: 1 }, { partNumber: 1 }])).rejects.toBeInstanceOf(RangeError);
        await expect(store.completeParts(assembly, driverState, '../x', [{ partNumber: 1 }])).rejects.toBeInstanceOf(InvalidKeyError);
        for (const key of UNSAFE_KEYS) {
          await expect(store.beginParts(key), key).rejects.toBeInstanceOf(InvalidKeyError);
          await expect(store.putPart(key, driverState, 1, Readable.from([Buffer.from('x')]), 1), key).rejects.toBeInstanceOf(InvalidKeyError);
          await expect(store.completeParts(key, driverState, 'joined', [{ partNumber: 1 }]), key).rejects.toBeInstanceOf(InvalidKeyError);
          await expect(store.abortParts(key, driverState), key).rejects.toBeInstanceOf(InvalidKeyError);
        }
        await store.abortParts(assembly, driverState);
        expect(await subject.leftoverParts()).toEqual([]);
      });
    });

    it('rejects unsafe keys before any I/O', async () => {
      for (const key of UNSAFE_KEYS) {
        await expect(store.put(key, Buffer.from('x')), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.head(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidKeyError);
      }
      await expect(listAll(store, '../')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(listAll(store, '/abs')).rejects.toBeInstanceOf(InvalidKeyError);
      expect(await listAll(store, '')).toEqual([]);
    });
  });
}
