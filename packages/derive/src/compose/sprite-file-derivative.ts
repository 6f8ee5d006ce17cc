import { recordDerived, type DerivedRecord } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { hashFile } from '@rendition/scratch';
import { derivedKey } from '@rendition/storage';
import type { DeriveDependencies } from '../derive-image.ts';

/**
 * Records a sprite's CSS or JSON as the derivative of its asset under the sprite's transformation, so
 * `/image/sprite/<transformation>/v<version>/<tag>.css` is served exactly that file: delivery computes
 * no stylesheet, it finds this row (apps/api sprite-delivery.ts). Like storeDerivative, but with the
 * file's own content type (`css` is no format of ours) and idempotent the same way.
 */
export async function storeSpriteFileDerivative(
  deps: Pick<DeriveDependencies, 'db' | 'store'>,
  identity: { assetId: string; versionId: string; transformationHash: string; transformation: string; format: 'css' | 'json' },
  path: string,
  contentType: string,
): Promise<DerivedRecord> {
  const measured = await hashFile(path);
  const storageKey = derivedKey(identity.assetId, identity.versionId, identity.transformationHash, identity.format);
  await deps.store.putFile(storageKey, path, { contentType });
  try {
    return await recordDerived(deps.db, { ...identity, storageKey, contentType, bytes: measured.bytes, width: null, height: null, etag: measured.md5 });
  } catch (error) {
    // The asset was destroyed while this ran (foreign_key_violation): its blob would be an orphan.
    if ((error as { code?: string }).code !== '23503') throw error;
    await deps.store.delete(storageKey);
    throw new ApiError(404, 'Resource not found - the asset was deleted', { cause: error });
  }
}
