import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, FsBlobStore, localFileOf } from '@rendition/storage';

describe('localFileOf', () => {
  let root: string;
  let scratch: string;
  let store: FsBlobStore;
  const bytes = Buffer.from('the original, read where it is');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'rendition-local-file-'));
    scratch = await mkdtemp(join(tmpdir(), 'rendition-local-file-scratch-'));
    store = new FsBlobStore(root);
    await store.put('assets/a/original', bytes);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it("answers the filesystem store's own file and never asks for a copy", async () => {
    const path = await localFileOf(store, 'assets/a/original', () => Promise.reject(new Error('no copy wanted')));
    expect(path).toBe(join(root, 'assets', 'a', 'original'));
    expect(await readFile(path)).toEqual(bytes);
  });

  it('copies to the path it is given for a store that keeps no local file (S3), asking for it once', async () => {
    const remote = { getFile: store.getFile.bind(store) };
    let asked = 0;
    const path = await localFileOf(remote, 'assets/a/original', () => {
      asked += 1;
      return Promise.resolve(join(scratch, 'copy'));
    });
    expect(path).toBe(join(scratch, 'copy'));
    expect(asked).toBe(1);
    expect(await readFile(path)).toEqual(bytes);
  });

  it('refuses a missing key with BlobNotFoundError either way', async () => {
    await expect(localFileOf(store, 'assets/b/original', () => Promise.resolve(join(scratch, 'x')))).rejects.toBeInstanceOf(BlobNotFoundError);
    const remote = { getFile: store.getFile.bind(store) };
    await expect(localFileOf(remote, 'assets/b/original', () => Promise.resolve(join(scratch, 'y')))).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});
