import type { ApiCredentials, AssetRecord, CatalogDb, DestroyedAsset } from '@rendition/catalog';
import { buildUploadResponse, type ParameterLimits, type RawParams, type ResourceType } from '@rendition/protocol';
import { assetPrefix, type BlobStore } from '@rendition/storage';
import type { JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { AddressPolicy } from '@rendition/net';

export interface ManagementDependencies {
  db: CatalogDb;
  store: BlobStore;
  /** For `notification_url` on destroy and rename. */
  queues: JobQueues;
  logger: Logger;
  addressPolicy: AddressPolicy;
  publicBaseUrl: string;
  secureBaseUrl: string;
  /** Bounds of tags, context and metadata values (the tags, context and metadata commands). */
  limits: { parameters: ParameterLimits };
}

/** One authenticated management call: the cloud and resource type from the path, the request's fields. */
export interface ManagementRequest {
  cloudName: string;
  credentials: ApiCredentials;
  resourceType: ResourceType;
  params: RawParams;
}

/** The resource JSON of an asset (rename's response), signed with the requesting key. */
export function assetResponse(deps: ManagementDependencies, request: ManagementRequest, asset: AssetRecord): Record<string, unknown> {
  return buildUploadResponse(asset, {
    apiKey: request.credentials.apiKey,
    apiSecret: request.credentials.apiSecret,
    publicBaseUrl: deps.publicBaseUrl,
    secureBaseUrl: deps.secureBaseUrl,
    cloudName: request.cloudName,
  });
}

/**
 * Deletes the bytes of an asset whose rows are already gone: the keys the catalog listed, then
 * whatever else lies under the asset's prefix except the kept backups (a derivative written while the rows were being
 * deleted, a version the catalog forgot). Every key is attempted before a failure is reported.
 */
export async function deleteAssetBlobs(store: BlobStore, destroyed: DestroyedAsset): Promise<void> {
  const prefix = assetPrefix(destroyed.assetId);
  // Backed-up versions' originals stay: download_backup and restore still read them.
  const kept = new Set(destroyed.keptStorageKeys ?? []);
  const known = destroyed.storageKeys.filter((key) => key.startsWith(prefix) && !kept.has(key));
  const first = await Promise.allSettled(known.map((key) => store.delete(key)));
  const rest: string[] = [];
  for await (const blob of store.list(prefix)) if (!kept.has(blob.key)) rest.push(blob.key);
  const second = await Promise.allSettled(rest.map((key) => store.delete(key)));
  const failure = [...first, ...second].find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}
