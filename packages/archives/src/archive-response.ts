import type { AssetRecord } from '@rendition/catalog';
import { assetUrls, isoSeconds, responseSignature } from '@rendition/protocol';

export interface ArchiveResponseOptions {
  apiSecret: string;
  cloudName: string;
  publicBaseUrl: string;
  secureBaseUrl: string;
}

/**
 * The create-mode answer (and notification): the stored raw asset with `resource_count` (assets) and
 * `file_count` (entries). Fields and order are those of the Go SDK's CreateArchiveResult, a superset
 * of the keys the Node and Ruby SDKs' archive specs expect (docs/archives.md, "Response").
 */
export function buildArchiveResponse(
  asset: AssetRecord,
  counts: { resources: number; files: number },
  options: ArchiveResponseOptions,
): Record<string, unknown> {
  return {
    asset_id: asset.assetId,
    public_id: asset.publicId,
    version: asset.version,
    version_id: asset.versionId,
    signature: responseSignature(asset.publicId, asset.version, options.apiSecret),
    resource_type: asset.resourceType,
    created_at: isoSeconds(asset.createdAt),
    tags: [...asset.tags],
    bytes: asset.bytes,
    type: asset.type,
    etag: asset.etag,
    placeholder: false,
    ...assetUrls(asset, options),
    access_mode: asset.accessMode,
    resource_count: counts.resources,
    file_count: counts.files,
  };
}
