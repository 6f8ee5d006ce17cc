import { createHash, randomUUID } from 'node:crypto';
import type { AssetRecord } from '@rendition/catalog';
import { ingest, type IngestDependencies } from '@rendition/ingest';
import type { ConvertJobV1, IngestJobV1 } from '@rendition/jobs';
import { assetUrls, nameBasedUuid, NO_ANALYSIS } from '@rendition/protocol';
import { hashFile } from '@rendition/scratch';
import { stagingKey } from '@rendition/storage';
import type { UrlBases } from '@rendition/derivations';

/**
 * Stores a file a conversion made as an asset of the cloud, through the same ingest as an upload
 * (versions, backups and overwrite rules alike). The ingest's version id comes from the convert job's
 * id, so a retried conversion finds the asset its earlier attempt committed instead of adding a version.
 */
export async function storeCreatedAsset(
  deps: IngestDependencies & UrlBases,
  job: ConvertJobV1,
  file: { path: string; resourceType: 'image' | 'raw'; publicId: string; assetFolder: string; type: 'upload' },
): Promise<{ asset: AssetRecord; descriptor: Record<string, unknown> }> {
  // Measured and staged from disk: a converted document is never held in memory whole.
  const { bytes, md5 } = await hashFile(file.path);
  const key = stagingKey(randomUUID());
  await deps.store.putFile(key, file.path);
  const ingestJob: IngestJobV1 = {
    v: 1,
    jobId: nameBasedUuid(`${job.jobId}:${file.publicId}`),
    batchId: job.batchId,
    cloudName: job.cloudName,
    apiKey: job.apiKey,
    source: { kind: 'staged', key, bytes, md5 },
    newAssetId: createHash('md5').update(`${job.jobId}:${file.publicId}:asset`).digest('hex'),
    request: {
      resourceType: file.resourceType,
      type: file.type as IngestJobV1['request']['type'],
      publicId: file.publicId,
      publicIdGenerated: false,
      originalFilename: null,
      assetFolder: file.assetFolder,
      displayName: null,
      overwrite: true,
      tags: [],
      context: {},
      metadata: {},
      format: null,
      allowedFormats: [],
      accessMode: 'public',
    },
    eager: [],
    eagerAsync: false,
    eagerInIngest: false,
    moderation: null,
    analysis: { ...NO_ANALYSIS },
    evalScript: null,
    onSuccess: null,
    returnDeleteToken: false,
    backup: false,
    incoming: null,
    rawConvert: null,
  };
  const { asset } = await ingest(deps, ingestJob);
  return { asset, descriptor: describe(deps, job, asset) };
}

/**
 * `{asset_id, public_id, resource_type, type, format, version, bytes, pages, url, secure_url}` of the
 * created asset (wave 2 §2.2). It is of type `upload`: its URLs carry no signature, so no secret is read.
 */
function describe(deps: UrlBases, job: ConvertJobV1, asset: AssetRecord): Record<string, unknown> {
  const urls = assetUrls(asset, { apiSecret: '', publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl, cloudName: job.cloudName });
  return {
    asset_id: asset.assetId,
    public_id: asset.publicId,
    resource_type: asset.resourceType,
    type: asset.type,
    ...(asset.resourceType === 'raw' ? {} : { format: asset.format }),
    version: asset.version,
    bytes: asset.bytes,
    ...(asset.resourceType === 'image' ? { pages: asset.pages ?? 1 } : {}),
    ...urls,
  };
}
