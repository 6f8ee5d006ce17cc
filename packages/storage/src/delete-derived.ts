import type { BlobStore } from './blob-store.ts';
import { derivedSetPrefix } from './keys.ts';

const SET_FORMATS = /\.(?:m3u8|mpd)$/;

/**
 * Deletes derivatives' blobs, and for a derivative that is a set (an HLS or DASH stream) every member
 * stored under it: what an overwrite, a restore or a destroy of a version leaves behind.
 */
export async function deleteDerivedBlobs(store: BlobStore, keys: readonly string[]): Promise<void> {
  await Promise.all(
    keys.map(async (key) => {
      if (SET_FORMATS.test(key)) {
        for await (const member of store.list(derivedSetPrefix(key))) await store.delete(member.key);
      }
      await store.delete(key);
    }),
  );
}
