import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobStore, FsBlobStore, InvalidKeyError } from '@rendition/storage';
import { describeBlobStoreContract, failingStream, listAll, readAll } from './blob-store-contract.ts';

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rendition-fs-store-'));
}

describeBlobStoreContract('FsBlobStore', async () => {
  const root = await makeRoot();
  return { store: new FsBlobStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
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
    const built = createBlobStore({ kind: 'file', root });
    expect(built).toBeInstanceOf(FsBlobStore);
    await built.put('k', Buffer.from('v'));
    expect(await readAll(await store.get('k'))).toEqual(Buffer.from('v'));
  });
});
