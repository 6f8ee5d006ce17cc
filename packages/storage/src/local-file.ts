import type { BlobStore } from './blob-store.ts';

/**
 * An object's bytes as a local file for a reader that takes a path (sharp, ffmpeg, pdf.js): the
 * store's own file where it keeps one (the filesystem store; nothing copied), else a copy at
 * `copyTo()` (S3). Safe to read in place because objects are never written in place: a put or a
 * delete of the key replaces or unlinks the name, and a reader that has the file open keeps its bytes.
 * The caller never writes to the path it gets.
 */
export async function localFileOf(store: Pick<BlobStore, 'getFile' | 'localFile'>, key: string, copyTo: () => Promise<string>): Promise<string> {
  if (store.localFile) return store.localFile(key);
  const path = await copyTo();
  await store.getFile(key, path);
  return path;
}
