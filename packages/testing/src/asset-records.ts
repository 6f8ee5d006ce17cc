import { randomBytes } from 'node:crypto';
import type { AssetRecord } from '@rendition/catalog';

/**
 * A complete AssetRecord for tests that write catalog rows directly: a PNG image asset of cloud
 * `demo` with fresh ids, its original's storage key made from them; `overrides` replace any field.
 */
export function assetRecordFixture(publicId: string, overrides: Partial<AssetRecord> = {}): AssetRecord {
  const assetId = overrides.assetId ?? randomBytes(16).toString('hex');
  const versionId = overrides.versionId ?? randomBytes(16).toString('hex');
  return {
    cloudName: 'demo',
    resourceType: 'image',
    type: 'upload',
    publicId,
    assetId,
    version: 1_700_000_000,
    versionId,
    format: 'png',
    width: 10,
    height: 5,
    pages: null,
    bytes: 100,
    etag: 'e'.repeat(32),
    contentType: 'image/png',
    storageKey: `originals/${assetId}/${versionId}`,
    tags: [],
    context: {},
    metadata: {},
    assetFolder: '',
    displayName: publicId,
    originalFilename: publicId,
    accessMode: 'public',
    createdAt: new Date(),
    ...overrides,
  };
}
