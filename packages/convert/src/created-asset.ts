import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { findApiKey, type AssetRecord } from '@rendition/catalog';
import { ingest, type IngestDependencies } from '@rendition/ingest';
import type { ConvertJobV1, IngestJobV1 } from '@rendition/jobs';
import { buildUploadResponse, nameBasedUuid } from '@rendition/protocol';
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
  file: { path: string; resourceType: 'image' | 'raw'; publicId: string; assetFolder: string; type: string },
): Promise<{ asset: AssetRecord; descriptor: Record<string, unknown> }> {
  const bytes = await readFile(file.path);
  const key = stagingKey(randomUUID());
  await deps.store.put(key, bytes);
  const ingestJob: IngestJobV1 = {
    v: 1,
    jobId: nameBasedUuid(`${job.jobId}:${file.publicId}`),
    batchId: job.batchId,
    cloudName: job.cloudName,
    apiKey: job.apiKey,
    source: { kind: 'staged', key, bytes: bytes.length, md5: createHash('md5').update(bytes).digest('hex') },
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
    returnDeleteToken: false,
    backup: false,
    incoming: null,
    rawConvert: null,
  };
  const { asset } = await ingest(deps, ingestJob);
  return { asset, descriptor: await describe(deps, job, asset) };
}

/** `{public_id, resource_type, type, version, url, secure_url, bytes}` of the created asset (wave 2 §2.2). */
async function describe(deps: UrlBases & Pick<IngestDependencies, 'db'>, job: ConvertJobV1, asset: AssetRecord): Promise<Record<string, unknown>> {
  const credentials = await findApiKey(deps.db, job.apiKey);
  const response = buildUploadResponse(asset, {
    apiKey: job.apiKey,
    apiSecret: credentials?.apiSecret ?? '',
    publicBaseUrl: deps.publicBaseUrl,
    secureBaseUrl: deps.secureBaseUrl,
    cloudName: job.cloudName,
  });
  const pick = ['asset_id', 'public_id', 'resource_type', 'type', 'format', 'version', 'bytes', 'pages', 'url', 'secure_url'];
  return Object.fromEntries(pick.filter((field) => response[field] !== undefined).map((field) => [field, response[field]]));
}
