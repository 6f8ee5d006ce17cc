import { randomUUID } from 'node:crypto';
import { notifyChange, type BatchJobDependencies } from '@rendition/batches';
import {
  decodeListCursor,
  deleteAssetsInBulk,
  deleteDerivedByIds,
  encodeListCursor,
  type AssetListKey,
  type BulkDeleteTarget,
  type DerivativeFilter,
  type NewJob,
  type RemovedAsset,
} from '@rendition/catalog';
import { purgeJob, type PurgeJobV1 } from '@rendition/jobs';
import type { AddressPolicy } from '@rendition/net';
import {
  ApiError,
  invalidParameter,
  MAX_ADMIN_PUBLIC_IDS,
  missingParameter,
  parseDeliveryType,
  parseResourceType,
  readBoolean,
  readString,
  type RawParams,
} from '@rendition/protocol';
import { checkedNotificationUrl } from '@rendition/webhooks';

/**
 * The Admin API's deletes (docs/asset-management.md, "Deletes"): `delete_resources` by public_ids,
 * prefix or `all`, by tag, by asset_ids, and `delete_derived_resources`. The catalog rows go in one
 * transaction per call, which also records the purge jobs that delete the blobs; the jobs are queued
 * after the commit (the outbox relay queues any that Redis missed). A call touches at most
 * MAX_ASSETS_PER_CALL assets: beyond that it answers `partial: true` with a `next_cursor`.
 */

/** Cloudinary's chunk: a delete by prefix, tag or `all` removes at most this many assets per call. */
export const MAX_ASSETS_PER_CALL = 1_000;
/** Within the purge job schema's bounds (packages/jobs/src/purge.job.ts). */
export const PURGE_KEYS_PER_JOB = 1_000;
export const PURGE_SWEEPS_PER_JOB = 100;

export interface AdminDeleteDependencies extends BatchJobDependencies {
  /** Checks a `notification_url`, as destroy does. */
  addressPolicy: AddressPolicy;
  /**
   * `transformations` (eager syntax, `|`-separated) as the derivatives they name: canonicalised and
   * hashed as a delivery keys them. Given by the API, which loads the transformation language.
   */
  resolveTransformations(cloudName: string, text: string): Promise<DerivativeFilter[]>;
  /** MAX_ASSETS_PER_CALL unless given (tests use fewer). */
  maxAssetsPerCall?: number;
}

/** Who calls: the cloud, and the key a delete notification is signed for. */
export interface AdminDeleteCaller {
  cloudName: string;
  apiKey: string;
}

export interface DeleteResourcesAnswer {
  deleted: Record<string, 'deleted' | 'not_found'>;
  deleted_counts: Record<string, { original: number; derived: number }>;
  partial: boolean;
  next_cursor?: string;
}

export type PurgeJob = NewJob & { payload: PurgeJobV1 };

/** `DELETE resources/:resource_type/:type` with `public_ids[]`, `prefix` or `all=true` (the first given wins). */
export async function deleteResources(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  path: { resourceType: string; type: string },
  params: RawParams,
): Promise<DeleteResourcesAnswer> {
  const scope = { cloudName: caller.cloudName, resourceType: parseResourceType(path.resourceType), type: parseDeliveryType(path.type) };
  const publicIds = boundedIds(params, 'public_ids');
  if (publicIds.length > 0) return deleteNamed(deps, caller, params, { by: 'public_ids', scope, publicIds });
  const prefix = readString(params, 'prefix');
  if (prefix !== undefined) return deleteWalked(deps, caller, params, { by: 'prefix', scope, prefix });
  if (readBoolean(params, 'all', false)) return deleteWalked(deps, caller, params, { by: 'all', scope });
  throw new ApiError(400, missingParameter('public_ids, prefix or all'));
}

/** `DELETE resources/:resource_type/tags/:tag`: every delivery type unless `type` is given. */
export async function deleteResourcesByTag(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  path: { resourceType: string; tag: string },
  params: RawParams,
): Promise<DeleteResourcesAnswer> {
  const resourceType = parseResourceType(path.resourceType);
  const typeText = readString(params, 'type');
  const type = typeText === undefined ? undefined : parseDeliveryType(typeText);
  if (path.tag === '') throw new ApiError(400, missingParameter('tag'));
  const target: BulkDeleteTarget = { by: 'tag', cloudName: caller.cloudName, resourceType, tag: path.tag, ...(type === undefined ? {} : { type }) };
  return deleteWalked(deps, caller, params, target);
}

/** `DELETE resources` with `asset_ids[]`: any resource and delivery type; the answer is keyed by asset_id. */
export async function deleteResourcesByAssetIds(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  params: RawParams,
): Promise<DeleteResourcesAnswer> {
  const assetIds = boundedIds(params, 'asset_ids');
  if (assetIds.length === 0) throw new ApiError(400, missingParameter('asset_ids'));
  return deleteNamed(deps, caller, params, { by: 'asset_ids', cloudName: caller.cloudName, assetIds });
}

/** `DELETE derived_resources` with `derived_resource_ids[]` (the `derived[].id` of the Admin `resource` call). */
export async function deleteDerivedResources(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  params: RawParams,
): Promise<{ deleted: Record<string, 'deleted' | 'not_found'> }> {
  const ids = boundedIds(params, 'derived_resource_ids');
  if (ids.length === 0) throw new ApiError(400, missingParameter('derived_resource_ids'));
  readBoolean(params, 'invalidate', false);
  let jobs: PurgeJob[] = [];
  const { removed } = await deleteDerivedByIds(deps.db, {
    cloudName: caller.cloudName,
    derivedIds: [...new Set(ids)],
    purgeJobs: (derivatives) => {
      const byAsset = new Map<string, string[]>();
      for (const { assetId, storageKey } of derivatives) byAsset.set(assetId, [...(byAsset.get(assetId) ?? []), storageKey]);
      jobs = purgeJobsFor(
        caller.cloudName,
        [...byAsset].map(([assetId, storageKeys]) => ({ assetId, storageKeys, destroyed: false })),
      );
      return jobs;
    },
  });
  await queuePurges(deps, jobs);
  const gone = new Set(removed.map((derivative) => derivative.derivedId));
  return { deleted: Object.fromEntries(ids.map((id) => [id, gone.has(id) ? 'deleted' : 'not_found'] as const)) };
}

/**
 * Splits what a call removed into purge jobs of at most PURGE_KEYS_PER_JOB keys and
 * PURGE_SWEEPS_PER_JOB prefix sweeps. An asset with more keys than a job holds spans jobs; its sweep
 * rides with its last keys.
 */
export function purgeJobsFor(cloudName: string, removed: ReadonlyArray<Pick<RemovedAsset, 'assetId' | 'storageKeys' | 'destroyed'>>): PurgeJob[] {
  const jobs: PurgeJob[] = [];
  let entries: PurgeJobV1['assets'] = [];
  let keys = 0;
  let sweeps = 0;
  const flush = () => {
    if (entries.length === 0) return;
    const id = randomUUID();
    jobs.push({ id, queue: purgeJob.queue, kind: purgeJob.kind, payload: { v: 1, jobId: id, cloudName, assets: entries } });
    entries = [];
    keys = 0;
    sweeps = 0;
  };
  for (const asset of removed) {
    if (asset.storageKeys.length === 0 && !asset.destroyed) continue;
    let rest = asset.storageKeys;
    do {
      if (keys === PURGE_KEYS_PER_JOB) flush();
      const part = rest.slice(0, PURGE_KEYS_PER_JOB - keys);
      rest = rest.slice(part.length);
      const sweep = asset.destroyed && rest.length === 0;
      if (sweep && sweeps === PURGE_SWEEPS_PER_JOB) flush();
      entries.push({ assetId: asset.assetId, keys: part, sweep });
      keys += part.length;
      if (sweep) sweeps += 1;
    } while (rest.length > 0);
  }
  flush();
  return jobs;
}

/** A delete by ids (public_ids or asset_ids, at most MAX_ADMIN_PUBLIC_IDS): every requested id is answered, once. */
async function deleteNamed(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  params: RawParams,
  target: Extract<BulkDeleteTarget, { by: 'public_ids' | 'asset_ids' }>,
): Promise<DeleteResourcesAnswer> {
  const requested = [...new Set(target.by === 'public_ids' ? target.publicIds : target.assetIds)];
  const named = target.by === 'public_ids' ? { ...target, publicIds: requested } : { ...target, assetIds: requested };
  const { removed } = await deleteCall(deps, caller, params, named, undefined);
  const found = new Map(removed.map((asset) => [target.by === 'asset_ids' ? asset.assetId : asset.publicId, asset]));
  return {
    deleted: Object.fromEntries(requested.map((id) => [id, found.has(id) ? 'deleted' : 'not_found'] as const)),
    deleted_counts: Object.fromEntries([...found].map(([id, asset]) => [id, { original: asset.original, derived: asset.derived }])),
    partial: false,
  };
}

/** A delete that walks what matches (prefix, tag, all) in chunks: `partial` and `next_cursor` while more remain. */
async function deleteWalked(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  params: RawParams,
  target: BulkDeleteTarget,
): Promise<DeleteResourcesAnswer> {
  const cursor = readString(params, 'next_cursor');
  const { removed, next } = await deleteCall(deps, caller, params, target, cursor === undefined ? undefined : cursorKey(cursor));
  const counts = new Map<string, { original: number; derived: number }>();
  for (const asset of removed) {
    // A tag spans delivery types, so one public_id may name several assets: their counts add up.
    const count = counts.get(asset.publicId) ?? { original: 0, derived: 0 };
    counts.set(asset.publicId, { original: count.original + asset.original, derived: count.derived + asset.derived });
  }
  return {
    deleted: Object.fromEntries([...counts.keys()].map((id) => [id, 'deleted'] as const)),
    deleted_counts: Object.fromEntries(counts),
    partial: next !== undefined,
    ...(next ? { next_cursor: encodeListCursor([next.publicId, next.assetId]) } : {}),
  };
}

/** The options every delete shares, the change itself, then its purges and its notification. */
async function deleteCall(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  params: RawParams,
  target: BulkDeleteTarget,
  after: AssetListKey | undefined,
): Promise<{ removed: RemovedAsset[]; next?: AssetListKey }> {
  const keepOriginal = readBoolean(params, 'keep_original', false);
  // No CDN sits in front of Rendition's delivery: there is nothing to invalidate.
  readBoolean(params, 'invalidate', false);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));
  const transformations = readString(params, 'transformations');
  // Cloudinary deletes only derivatives whenever transformations are named, keep_original or not.
  const derivatives =
    transformations !== undefined ? await deps.resolveTransformations(caller.cloudName, transformations) : keepOriginal ? ('all' as const) : undefined;
  let jobs: PurgeJob[] = [];
  const outcome = await deleteAssetsInBulk(deps.db, {
    target,
    limit: deps.maxAssetsPerCall ?? MAX_ASSETS_PER_CALL,
    ...(after ? { after } : {}),
    ...(derivatives ? { derivatives } : {}),
    purgeJobs: (removed) => (jobs = purgeJobsFor(caller.cloudName, removed)),
  });
  await queuePurges(deps, jobs);
  await notifyDestroyed(deps, caller, outcome.removed, notificationUrl);
  return outcome;
}

/** After the commit; a job Redis did not take now is queued by the outbox relay. */
async function queuePurges(deps: AdminDeleteDependencies, jobs: PurgeJob[]): Promise<void> {
  const queued = await Promise.allSettled(jobs.map((job) => deps.queues.enqueue('purge', job.payload, job.id)));
  const failed = queued.filter((result) => result.status === 'rejected').length;
  if (failed > 0) deps.logger.warn({ failed }, 'could not queue purge jobs now; the relay will');
}

/** Like destroy: one `delete` notification listing the assets that went (not their derivatives alone). */
async function notifyDestroyed(
  deps: AdminDeleteDependencies,
  caller: AdminDeleteCaller,
  removed: RemovedAsset[],
  notificationUrl: string | undefined,
): Promise<void> {
  const destroyed = removed.filter((asset) => asset.destroyed);
  if (destroyed.length === 0) return;
  await notifyChange(deps, {
    cloudName: caller.cloudName,
    apiKey: caller.apiKey,
    type: 'delete',
    fields: {
      resources: destroyed.map((asset) => ({
        resource_type: asset.resourceType,
        type: asset.type,
        asset_id: asset.assetId,
        public_id: asset.publicId,
        version: asset.version,
      })),
    },
    notificationUrl,
  });
}

/**
 * An id list as the SDK sends it (`name[]`, items kept whole) or a comma-separated string, of at most
 * MAX_ADMIN_PUBLIC_IDS ids: Cloudinary's bound on every Admin API delete by ids.
 */
function boundedIds(params: RawParams, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  const ids = (Array.isArray(value) ? value : value.split(',')).filter((id) => id !== '');
  if (ids.length > MAX_ADMIN_PUBLIC_IDS)
    throw new ApiError(400, `Too many ${name}: at most ${MAX_ADMIN_PUBLIC_IDS} in one request (got ${ids.length})`);
  return ids;
}

function cursorKey(cursor: string): AssetListKey {
  const parts = decodeListCursor(cursor, 2);
  if (!parts) throw invalidParameter('next_cursor', cursor, 'not a cursor this API returned');
  const [publicId = '', assetId = ''] = parts;
  return { publicId, assetId };
}
