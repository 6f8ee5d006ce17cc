import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, createBlobStore, FsBlobStore, InvalidKeyError } from '@rendition/storage';
import { describeBlobStoreContract, failingStream, listAll, readAll } from './blob-store-contract.ts';

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rendition-fs-store-'));
}

/** Every file under <root>/.parts, relative to it. */
async function partFiles(root: string): Promise<string[]> {
  const entries = await readdir(join(root, '.parts'), { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

describeBlobStoreContract('FsBlobStore', async () => {
  const root = await makeRoot();
  return { store: new FsBlobStore(root), cleanup: () => rm(root, { recursive: true, force: true }), leftoverParts: () => partFiles(root) };
});

describe('FsBlobStore on disk', () => {
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    root = await makeRoot();
    store = new FsBlobStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('copies an object by linking its file: same bytes under both keys, no bytes moved, each key deleted alone', async () => {
    const bytes = Buffer.from('the staged upload, already durable');
    await store.put('staging/abc', bytes);
    expect(await store.copy('staging/abc', 'originals/x/y')).toEqual({ size: bytes.length });
    expect((await readAll(await store.get('originals/x/y'))).equals(bytes)).toBe(true);
    const [source, copy] = await Promise.all([stat(join(root, 'staging', 'abc')), stat(join(root, 'originals', 'x', 'y'))]);
    expect(copy.ino).toBe(source.ino);
    expect(copy.nlink).toBe(2);
    await store.delete('staging/abc');
    expect(await store.head('staging/abc')).toBeNull();
    expect((await readAll(await store.get('originals/x/y'))).equals(bytes)).toBe(true);
    // Copying again over an existing key replaces it whole (a retried ingest), and leaves no temp file.
    await store.put('staging/def', Buffer.from('newer'));
    await store.copy('staging/def', 'originals/x/y');
    expect((await readAll(await store.get('originals/x/y'))).toString()).toBe('newer');
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    await expect(store.copy('staging/missing', 'originals/z')).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.head('originals/z')).toBeNull();
    await expect(store.copy('../escape', 'originals/z')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('names the file that holds an object, to read in place: its bytes, a later put as a new file, and no file for a missing key', async () => {
    await store.put('originals/a/v1', Buffer.from('version one'));
    const path = await store.localFile('originals/a/v1');
    expect(path).toBe(join(root, 'originals', 'a', 'v1'));
    const opened = await open(path, 'r');
    try {
      // A put never writes in place: what a reader opened keeps its bytes.
      await store.put('originals/a/v1', Buffer.from('replaced'));
      expect((await opened.readFile()).toString()).toBe('version one');
    } finally {
      await opened.close();
    }
    await expect(store.localFile('originals/missing')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.localFile('../escape')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('leaves no temp file behind when a put fails midway', async () => {
    await expect(store.put('broken', failingStream(512 * 1024))).rejects.toThrow('source broke midway');
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    expect(await readdir(root)).toEqual(['.tmp']);
  });

  it('leaves no temp file behind after successful puts', async () => {
    await store.put('a/b', Buffer.from('1'));
    await store.put('a/c', Readable.from([Buffer.from('2')]));
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('keeps objects as plain files under the root', async () => {
    await store.put('assets/x/v/original', Buffer.from('hello'));
    expect(await readAll(await new FsBlobStore(root).get('assets/x/v/original'))).toEqual(Buffer.from('hello'));
    expect(await readdir(join(root, 'assets', 'x', 'v'))).toEqual(['original']);
  });

  it('reserves its temp directory', async () => {
    await expect(store.put('.tmp/x', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get('.tmp')).rejects.toBeInstanceOf(InvalidKeyError);
    await store.put('a', Buffer.from('x'));
    await expect(store.put('slow', failingStream(64 * 1024))).rejects.toThrow();
    expect((await listAll(store, '')).map((info) => info.key)).toEqual(['a']);
    expect(await listAll(store, '.tmp/')).toEqual([]);
  });

  it('keeps parts under its reserved parts directory, unlisted, and removes them with the assembly', async () => {
    await expect(store.put('.parts/x', Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.beginParts('.parts/x')).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await store.beginParts('large-uploads/s1')).toEqual({});
    await store.putPart('large-uploads/s1', undefined, 2, Readable.from([Buffer.from('world')]));
    await store.putPart('large-uploads/s1', undefined, 1, Readable.from([Buffer.from('hello ')]), 6);
    expect(await partFiles(root)).toEqual(['.parts/large-uploads/s1/00001', '.parts/large-uploads/s1/00002']);
    expect(await listAll(store, '')).toEqual([]);
    expect(await listAll(store, '.parts/')).toEqual([]);
    await store.completeParts('large-uploads/s1', undefined, 'staging/s1', [{ partNumber: 2 }, { partNumber: 1 }]);
    expect(await readAll(await store.get('staging/s1'))).toEqual(Buffer.from('hello world'));
    // The emptied directories go too, and no temp file stays behind.
    expect((await readdir(root)).sort()).toEqual(['.tmp', 'staging']);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('joins a part replaced while it is being joined as one whole version or the other', async () => {
    const a = Buffer.alloc(8 * 1024 * 1024, 'a');
    const b = Buffer.alloc(8 * 1024 * 1024, 'b');
    await store.putPart('large-uploads/s2', undefined, 1, Readable.from([a]));
    await store.putPart('large-uploads/s2', undefined, 2, Readable.from([a]));
    const [joined] = await Promise.all([
      store.completeParts('large-uploads/s2', undefined, 'joined', [{ partNumber: 1 }, { partNumber: 2 }]),
      store.putPart('large-uploads/s2', undefined, 2, Readable.from([b])).catch(() => undefined),
    ]);
    expect(joined.size).toBe(a.length * 2);
    const second = (await readAll(await store.get('joined'))).subarray(a.length);
    expect(second.equals(a) || second.equals(b)).toBe(true);
  });

  it('lists in byte order across directory boundaries, as S3 does', async () => {
    for (const key of ['a/x', 'a-b/x', 'a_b/x', 'a.b', 'a0']) await store.put(key, Buffer.from('1'));
    // "-" and "." sort before "/", "0" and "_" after it.
    expect((await listAll(store, 'a')).map((info) => info.key)).toEqual(['a-b/x', 'a.b', 'a/x', 'a0', 'a_b/x']);
  });

  it('prunes directories emptied by delete, up to the root', async () => {
    await store.put('assets/x/v1/original', Buffer.from('1'));
    await store.put('assets/x/v1/derived/h.jpg', Buffer.from('2'));
    await store.put('assets/y/v1/original', Buffer.from('3'));
    await store.delete('assets/x/v1/derived/h.jpg');
    expect(await readdir(join(root, 'assets', 'x', 'v1'))).toEqual(['original']);
    await store.delete('assets/x/v1/original');
    expect(await readdir(join(root, 'assets'))).toEqual(['y']);
    await store.delete('assets/y/v1/original');
    expect((await readdir(root)).sort()).toEqual(['.tmp']);
  });

  it('is what createBlobStore builds for kind "file"', async () => {
    const built = await createBlobStore({ kind: 'file', root });
    expect(built).toBeInstanceOf(FsBlobStore);
    await built.put('k', Buffer.from('v'));
    expect(await readAll(await store.get('k'))).toEqual(Buffer.from('v'));
  });
});
