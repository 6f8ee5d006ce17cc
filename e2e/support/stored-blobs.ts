import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore, StorageSettings } from '@rendition/storage';

// What the system under test stored is read back through the BlobStore interface, never by a path
// on disk, so these checks mean the same on every driver.

/** The keys of every stored object whose key starts with prefix, sorted. */
export async function storedKeys(store: BlobStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys.sort();
}

/** The whole object at key; rejects with BlobNotFoundError when nothing is stored there. */
export async function storedBytes(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Whether an object is stored at key. */
export async function isStored(store: BlobStore, key: string): Promise<boolean> {
  return (await store.head(key)) !== null;
}

/**
 * The temporary files of puts that never finished, for the filesystem driver: it writes each put
 * to `<root>/.tmp/` and renames it into place, and a failed put must remove its temp file. These
 * are not objects (no key names them, list() never shows them), so the store cannot report them;
 * this is the one place the e2e suite looks at the storage directory, and only at that folder.
 * Always [] for the other drivers, whose unfinished uploads are aborted on the server.
 */
export async function unfinishedWrites(storage: StorageSettings): Promise<string[]> {
  if (storage.kind !== 'file') return [];
  const entries = await readdir(join(storage.root, '.tmp')).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.sort();
}
