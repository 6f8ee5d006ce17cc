import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, InvalidKeyError, InvalidRangeError, type BlobInfo, type BlobStore } from '@rendition/storage';

export interface StoreUnderTest {
  store: BlobStore;
  cleanup(): Promise<void>;
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
