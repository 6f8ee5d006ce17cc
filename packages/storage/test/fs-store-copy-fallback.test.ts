import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// FsBlobStore.copy links the source under the new key; where linking is refused (a store whose tree
// spans filesystems: EXDEV, or a filesystem without hard links) it copies the bytes instead. A second
// filesystem cannot be mounted here, so the refusal is what link() answers in this file alone.
const refusal = vi.hoisted(() => ({ code: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    link: async (existing: string, created: string) => {
      if (refusal.code) throw Object.assign(new Error(`${refusal.code}: link refused`), { code: refusal.code });
      return actual.link(existing, created);
    },
  };
});

const { BlobNotFoundError, FsBlobStore } = await import('../src/index.ts');

let root: string;
let store: InstanceType<typeof FsBlobStore>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rendition-copy-fallback-'));
  store = new FsBlobStore(root);
  refusal.code = undefined;
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const read = async (key: string) => buffer(await store.get(key));

describe('FsBlobStore.copy where linking is refused', () => {
  it.each(['EXDEV', 'EPERM', 'ENOTSUP', 'EMLINK'])('copies the bytes instead on %s: same bytes, its own file, the source untouched', async (code) => {
    const bytes = randomBytes(300_000);
    await store.put('staging/a', bytes);
    refusal.code = code;
    expect(await store.copy('staging/a', 'assets/b/original')).toEqual({ size: bytes.length });
    expect((await read('assets/b/original')).equals(bytes)).toBe(true);
    const [source, copy] = await Promise.all([stat(join(root, 'staging/a')), stat(join(root, 'assets/b/original'))]);
    expect(copy.ino).not.toBe(source.ino);
    expect(source.nlink).toBe(1);
    await store.delete('staging/a');
    expect((await read('assets/b/original')).equals(bytes)).toBe(true);
  });

  it('links when it may: one file under two names', async () => {
    await store.put('staging/a', Buffer.from('linked'));
    await store.copy('staging/a', 'assets/b/original');
    const [source, copy] = await Promise.all([stat(join(root, 'staging/a')), stat(join(root, 'assets/b/original'))]);
    expect(copy.ino).toBe(source.ino);
    expect(source.nlink).toBe(2);
  });

  it('fails on any other error, leaving nothing under the new key', async () => {
    await store.put('staging/a', Buffer.from('x'));
    refusal.code = 'EIO';
    await expect(store.copy('staging/a', 'assets/b/original')).rejects.toMatchObject({ code: 'EIO' });
    expect(await store.head('assets/b/original')).toBeNull();
  });

  it('answers BlobNotFoundError for a missing source', async () => {
    await expect(store.copy('staging/missing', 'assets/b/original')).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});
