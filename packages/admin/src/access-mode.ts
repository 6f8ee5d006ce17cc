import type { ManagementDependencies } from '@rendition/assets';
import { deleteAssetBlobs } from '@rendition/assets';
import { changeAccessMode, findAssetsByPublicIds, findSelectedAssets, renameAsset, type AssetRecord, type AssetSelection } from '@rendition/catalog';
import {
  ApiError,
  parseAccessMode,
  parseDeliveryType,
  parseResourceType,
  readBoolean,
  readString,
  type DeliveryType,
  type RawParams,
} from '@rendition/protocol';
import { idsParameter, requiredParameter } from './listing-params.ts';
import { resourceBaseItem, type AdminCaller, type AdminReadDependencies, type Json } from './resource-items.ts';

/**
 * `publish_by_ids|prefix|tag` and `update_resources_access_mode_by_ids|prefix|tag`. Both select by
 * `public_ids` (at most 100), `prefix` or `tag`, and answer each asset they changed and each named
 * one they could not, as Cloudinary's `{published, failed}` / `{updated, failed}`. A prefix or a tag
 * changes at most MAX_BULK_CHANGES assets per call: the changed ones no longer match, so calling again
 * continues where the last call stopped.
 */

export const MAX_BULK_CHANGES = 1000;

export interface AdminPublishDependencies extends AdminReadDependencies {
  /** Where the bytes of an asset replaced by `overwrite` are deleted. */
  store: ManagementDependencies['store'];
}

/** Types published without a `type`: the two that delivery refuses unsigned. */
const UNPUBLISHED_TYPES: readonly DeliveryType[] = ['private', 'authenticated'];

/**
 * `POST resources/:resource_type/publish_resources`: an asset of type `private` or `authenticated`
 * (or of `type` when given) becomes type `upload` under the same public_id, so its delivery URLs work
 * unsigned; storage is untouched (keys hold the asset id). An `upload` asset already holding the
 * public_id is a failure unless `overwrite=true`, which replaces it (its bytes are deleted after the
 * commit). `invalidate` is checked and has nothing to do: no CDN sits in front of Rendition.
 */
export async function publishResources(
  deps: AdminPublishDependencies,
  caller: AdminCaller,
  path: { resourceType: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const selection = selectionParameter(params);
  const typeText = readString(params, 'type');
  const types = typeText === undefined ? UNPUBLISHED_TYPES : [parseDeliveryType(typeText)];
  const overwrite = readBoolean(params, 'overwrite', false);
  readBoolean(params, 'invalidate', false);

  const candidates = await findSelectedAssets(deps.db, {
    cloudName: caller.cloudName,
    resourceType,
    types: [...types],
    selection,
    limit: MAX_BULK_CHANGES,
  });
  const published: Json[] = [];
  const failed: Json[] = [];
  for (const asset of inRequestOrder(selection, candidates)) {
    if (asset.type === 'upload') {
      published.push(changedItem(deps, caller, asset));
      continue;
    }
    const outcome = await renameAsset(deps.db, { from: asset, toPublicId: asset.publicId, toType: 'upload', overwrite });
    switch (outcome.kind) {
      case 'renamed':
        if (outcome.replaced) await deleteAssetBlobs(deps.store, outcome.replaced);
        published.push(changedItem(deps, caller, outcome.asset));
        break;
      case 'target-exists':
        failed.push({
          public_id: asset.publicId,
          message: `Resource already exists - ${asset.publicId} (type upload); publish with overwrite to replace it`,
        });
        break;
      case 'not-found':
        failed.push(notFound(asset.publicId));
        break;
    }
  }
  if ('publicIds' in selection) {
    const found = new Set(candidates.map((asset) => asset.publicId));
    for (const publicId of selection.publicIds) if (!found.has(publicId)) failed.push(notFound(publicId));
  }
  return { published, failed };
}

/**
 * `POST resources/:resource_type/:type/update_access_mode` with `access_mode=public|authenticated`:
 * sets assets.access_mode. A named public_id that does not exist, or already has the mode, is in
 * `failed`; a prefix or tag only selects the assets still to change.
 */
export async function updateResourcesAccessMode(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; type: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = parseDeliveryType(path.type);
  const accessMode = parseAccessMode(requiredParameter(params, 'access_mode'));
  const selection = selectionParameter(params);
  const scope = { cloudName: caller.cloudName, resourceType, type };

  const changed = await changeAccessMode(deps.db, { scope, selection, accessMode, limit: MAX_BULK_CHANGES });
  const updated = inRequestOrder(selection, changed).map((asset) => changedItem(deps, caller, asset));
  const failed: Json[] = [];
  if ('publicIds' in selection) {
    const changedIds = new Set(changed.map((asset) => asset.publicId));
    const rest = selection.publicIds.filter((publicId) => !changedIds.has(publicId));
    const unchanged = new Set((await findAssetsByPublicIds(deps.db, { ...scope, publicIds: rest })).map((asset) => asset.publicId));
    for (const publicId of rest) {
      failed.push(unchanged.has(publicId) ? { public_id: publicId, message: `Resource is already ${accessMode}` } : notFound(publicId));
    }
  }
  return { updated, failed };
}

/**
 * The one selection of a bulk call. Publish's SDK call sends `public_ids` as a repeated plain name
 * and update_access_mode's as `public_ids[]`; both arrive as the list `public_ids`.
 */
function selectionParameter(params: RawParams): AssetSelection {
  const prefix = readString(params, 'prefix');
  const tag = readString(params, 'tag');
  const named = params.public_ids !== undefined;
  const given = [named, prefix !== undefined, tag !== undefined].filter(Boolean).length;
  if (given === 0) throw new ApiError(400, 'Missing required parameter - public_ids, prefix or tag');
  if (given > 1) throw new ApiError(400, 'Only one of public_ids, prefix and tag may be given');
  if (named) return { publicIds: [...new Set(idsParameter(params, 'public_ids'))] };
  return prefix !== undefined ? { prefix } : { tag: tag ?? '' };
}

/** Named public_ids answer in the order asked; a prefix or tag in public_id order (as selected). */
function inRequestOrder(selection: AssetSelection, assets: AssetRecord[]): AssetRecord[] {
  if (!('publicIds' in selection)) return assets;
  const rank = new Map(selection.publicIds.map((publicId, index) => [publicId, index]));
  return [...assets].sort((a, b) => (rank.get(a.publicId) ?? 0) - (rank.get(b.publicId) ?? 0));
}

function changedItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord): Json {
  return { ...resourceBaseItem(deps, caller, asset), access_mode: asset.accessMode };
}

function notFound(publicId: string): Json {
  return { public_id: publicId, message: `Resource not found - ${publicId}` };
}
