import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '@rendition/storage';
import { isStagedFile, receiveFile } from '../src/index.ts';

// receiveFile (INLINE_UPLOAD_MAX_BYTES): a small file part travels inside its job's row, a larger one is
// staged whole, on a real filesystem store.

let root: string;
let store: FsBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rendition-receive-file-'));
  store = new FsBlobStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list('')) keys.push(info.key);
  return keys;
}

/** The bytes in pieces of `size`, as busboy hands a part over. */
const pieces = (bytes: Buffer, size: number) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

describe('receiveFile', () => {
  it('holds a file of at most the limit for its job: the bytes beside a source of size and md5 only, and nothing stored', async () => {
    const bytes = randomBytes(4096);
    const file = await receiveFile({ store }, pieces(bytes, 1000), 'small.png', 4096);
    expect(isStagedFile(file)).toBe(false);
    // The source is what the job's payload (and Redis) carries: never the bytes.
    expect(file.source).toEqual({ kind: 'inline', bytes: 4096, md5: md5(bytes), filename: 'small.png' });
    if (isStagedFile(file)) throw new Error('held expected');
    expect(file.data.equals(bytes)).toBe(true);
    expect(await storedKeys()).toEqual([]);
    await file.discard();

    const empty = await receiveFile({ store }, Readable.from([]), undefined, 4096);
    expect(empty.source).toEqual({ kind: 'inline', bytes: 0, md5: md5(Buffer.alloc(0)) });
    if (isStagedFile(empty)) throw new Error('held expected');
    expect(empty.data.length).toBe(0);
  });

  it('stages a file past the limit whole, the bytes it held first included', async () => {
    const bytes = randomBytes(10_000);
    const file = await receiveFile({ store }, pieces(bytes, 3000), 'large.bin', 4096);
    expect(isStagedFile(file)).toBe(true);
    if (file.source.kind !== 'staged') throw new Error('staged expected');
    expect(file.source).toMatchObject({ bytes: 10_000, md5: md5(bytes), filename: 'large.bin' });
    expect((await buffer(await store.get(file.source.key))).equals(bytes)).toBe(true);
    await file.discard();
    expect(await storedKeys()).toEqual([]);
  });

  it('stages every file with a limit of 0, and passes the part error on', async () => {
    const bytes = randomBytes(10);
    const file = await receiveFile({ store }, pieces(bytes, 10), 'tiny.bin', 0);
    expect(file.source.kind).toBe('staged');
    await file.discard();

    const broken = new Readable({
      read() {
        this.destroy(new Error('the body broke off'));
      },
    });
    await expect(receiveFile({ store }, broken, 'x', 4096)).rejects.toThrow('the body broke off');
    expect(await storedKeys()).toEqual([]);
  });
});
