import {
  countAssetsInAssetFolder,
  findAsset,
  findAssetsByAssetIds,
  findAssetsByPublicIds,
  listAssets,
  listAssetVersions,
  listDerivedOfVersion,
  type AssetListQuery,
  type AssetRecord,
  type ListOrder,
} from '@rendition/catalog';
import {
  ApiError,
  coordinatesField,
  isoSeconds,
  parseDeliveryType,
  parseModerationListing,
  parseResourceType,
  playbackUrl,
  readBoolean,
  readString,
  type RawParams,
} from '@rendition/protocol';
import {
  assetCursorParameter,
  checkedText,
  derivedCursorParameter,
  directionParameter,
  encodeAssetCursor,
  encodeDerivedCursor,
  idsParameter,
  maxResultsParameter,
  requiredParameter,
  startAtParameter,
} from './listing-params.ts';
import {
  derivedItem,
  isModerationPlaceholder,
  resourceBaseItem,
  resourceItemShape,
  resourceListItem,
  urlOptions,
  type AdminCaller,
  type AdminReadDependencies,
  type Json,
} from './resource-items.ts';

export { DEFAULT_MAX_RESULTS } from './listing-params.ts';
export { derivedId, isModerationPlaceholder, resourceItemShape, resourceListItem } from './resource-items.ts';
export type { AdminCaller, AdminReadDependencies } from './resource-items.ts';

/** A listing's filter: what asset-queries' listAssets selects, without the paging. */
type ListFilter = Omit<AssetListQuery, 'order' | 'maxResults' | 'direction' | 'after' | 'createdFrom'>;

/**
 * `GET resources/:resource_type[/:type]`: `prefix`, `max_results`, `next_cursor`, `direction`,
 * `start_at`, `tags`, `context`, `metadata`, `moderations`, `fields`. Newest first; with a prefix, by
 * public_id, where Cloudinary ignores `direction` and `start_at`.
 */
export async function listResources(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; type?: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = path.type === undefined ? undefined : parseDeliveryType(path.type);
  const prefix = readString(params, 'prefix');
  return listPage(deps, caller, params, {
    cloudName: caller.cloudName,
    resourceType,
    ...(type === undefined ? {} : { type }),
    ...(prefix === undefined ? {} : { prefix }),
  });
}

/**
 * `GET resources/:resource_type/moderations/:kind/:status`: the assets holding that entry; items name
 * it. The Admin API route asks for Cloudinary's creation order; the moderation console's review queue
 * (apps/api/src/console) calls this without an order and keeps the public_id order it was built on.
 */
export async function listResourcesByModeration(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; kind: string; status: string },
  params: RawParams,
  order: ListOrder = 'public_id',
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const moderation = parseModerationListing(path.kind, path.status);
  const filter = { cloudName: caller.cloudName, resourceType, moderation };
  return listPage(deps, caller, params, filter, order, (item) => ({ ...item, moderation_kind: moderation.kind, moderation_status: moderation.status }));
}

/** `GET resources/:resource_type/tags/:tag` (every delivery type). */
export async function listResourcesByTag(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; tag: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  return listPage(deps, caller, params, { cloudName: caller.cloudName, resourceType, tag: checkedText('tag', path.tag) });
}

/** `GET resources/:resource_type/context?key=…[&value=…]`: assets whose context has the key (with that value when given). */
export async function listResourcesByContext(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const key = requiredParameter(params, 'key');
  const value = readString(params, 'value');
  return listPage(deps, caller, params, { cloudName: caller.cloudName, resourceType, context: value === undefined ? { key } : { key, value } });
}

/**
 * `GET resources/by_asset_folder?asset_folder=…`: the assets directly in that folder, of every resource
 * type, with `total_count` (all of them, not the page's), as Cloudinary answers (the SDK's spec checks it).
 */
export async function listResourcesByAssetFolder(deps: AdminReadDependencies, caller: AdminCaller, params: RawParams): Promise<Json> {
  const assetFolder = checkedText('asset_folder', requiredParameter(params, 'asset_folder'));
  const page = await listPage(deps, caller, params, { cloudName: caller.cloudName, assetFolder });
  return { ...page, total_count: await countAssetsInAssetFolder(deps.db, caller.cloudName, assetFolder) };
}

/** `GET resources/by_asset_ids?asset_ids[]=…`: the ones that exist in this cloud, in the order asked; never paginated. */
export async function listResourcesByAssetIds(deps: AdminReadDependencies, caller: AdminCaller, params: RawParams): Promise<Json> {
  const assetIds = idsParameter(params, 'asset_ids');
  const shape = resourceItemShape(params);
  const assets = await findAssetsByAssetIds(deps.db, caller.cloudName, assetIds);
  return { resources: assets.map((asset) => shape(resourceListItem(deps, caller, asset))) };
}

/** `GET resources/:resource_type/:type?public_ids[]=…`: the ones that exist, in the order asked; never paginated. */
export async function listResourcesByIds(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; type: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = parseDeliveryType(path.type);
  const publicIds = idsParameter(params, 'public_ids');
  const shape = resourceItemShape(params);
  const assets = await findAssetsByPublicIds(deps.db, { cloudName: caller.cloudName, resourceType, type, publicIds });
  return { resources: assets.map((asset) => shape(resourceListItem(deps, caller, asset))) };
}

/** Whether a listing request is the by-ids form (it shares its path with the typed listing). */
export function isByIdsRequest(params: RawParams): boolean {
  return params.public_ids !== undefined;
}

/**
 * `GET resources/:resource_type/:type/:public_id`: the resource JSON with `tags`, `context`, the
 * current version's `derived` list (`max_results`, `derived_next_cursor`; `next_cursor` in the reply
 * when more follow), and `versions` when `versions=true`.
 */
export async function describeResource(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; type: string; publicId: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = parseDeliveryType(path.type);
  const publicId = checkedText('public_id', path.publicId);
  const options = describeOptions(params);
  const asset = await findAsset(deps.db, { cloudName: caller.cloudName, resourceType, type, publicId });
  if (!asset) throw new ApiError(404, `Resource not found - ${publicId}`);
  return describeAsset(deps, caller, asset, options);
}

/** `GET resources/:asset_id` (`resource_by_asset_id`): the same answer as `resource`. */
export async function describeResourceByAssetId(deps: AdminReadDependencies, caller: AdminCaller, assetId: string, params: RawParams): Promise<Json> {
  const options = describeOptions(params);
  const [asset] = await findAssetsByAssetIds(deps.db, caller.cloudName, [assetId]);
  if (!asset) throw new ApiError(404, `Resource not found - ${assetId}`);
  return describeAsset(deps, caller, asset, options);
}

type DescribeOptions = ReturnType<typeof describeOptions>;

// Read before the lookup, so a bad parameter is its 400 whether or not the asset exists.
function describeOptions(params: RawParams) {
  const after = derivedCursorParameter(params);
  const asked = (name: string) => readBoolean(params, name, false);
  const properties = {
    colors: asked('colors'),
    faces: asked('faces'),
    coordinates: asked('coordinates'),
    exif: asked('exif'),
    imageMetadata: asked('image_metadata') || asked('media_metadata'),
    cinemagraphAnalysis: asked('cinemagraph_analysis'),
    related: asked('related'),
  };
  return { maxResults: maxResultsParameter(params), withVersions: readBoolean(params, 'versions', false), properties, ...(after ? { after } : {}) };
}

/**
 * The explicitly requested properties, from what the version keeps (migration 0027; docs/analysis.md):
 * its face and custom regions, its image_metadata, its cinemagraph score. The pixels are never read
 * again on a read: what was not kept answers what Cloudinary answers when there is nothing to report.
 */
function requestedProperties(asset: AssetRecord, asked: DescribeOptions['properties']): Json {
  const fields: Json = {};
  // No stored palette: the colour analysis runs on upload or `explicit` (`colors=true`).
  if (asked.colors) fields.colors = [];
  // No face detector (g_face falls back to auto; `fc` is 0): the faces are the regions given to the asset.
  if (asked.faces) fields.faces = asset.faceCoordinates ?? [];
  if (asked.coordinates) fields.coordinates = coordinatesField(asset.faceCoordinates, asset.customCoordinates);
  if (asked.exif) fields.exif = {};
  // As the ingest kept it; {} when it kept none (video, raw, a version older than migration 0027).
  if (asked.imageMetadata) fields.image_metadata = asset.imageMetadata ?? {};
  // A still image (one page or frame) has no motion: its score is 0 unless one was kept. Animations and videos have one once asked for.
  const still = asset.resourceType === 'image' && (asset.pages ?? 1) <= 1;
  const score = asset.cinemagraphScore ?? (still ? 0 : undefined);
  if (asked.cinemagraphAnalysis && score !== undefined) fields.cinemagraph_analysis = { cinemagraph_score: score };
  // Related assets (`add_related_assets`) are not kept: none to list.
  if (asked.related) fields.related_assets = [];
  return fields;
}

async function describeAsset(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord, options: DescribeOptions): Promise<Json> {
  const page = await listDerivedOfVersion(deps.db, {
    assetId: asset.assetId,
    versionId: asset.versionId,
    maxResults: options.maxResults,
    ...(options.after ? { after: options.after } : {}),
  });
  const response = resourceBaseItem(deps, caller, asset);
  response.tags = [...asset.tags];
  if (Object.keys(asset.context).length > 0) response.context = { custom: { ...asset.context } };
  if (Object.keys(asset.metadata).length > 0) response.metadata = { ...asset.metadata };
  if (asset.resourceType === 'image') response.pages = asset.pages ?? 1;
  if (asset.resourceType === 'video') response.pages = 0;
  response.etag = asset.etag;
  response.placeholder = isModerationPlaceholder(asset);
  response.access_mode = asset.accessMode;
  if (asset.resourceType === 'video') {
    response.playback_url = playbackUrl(asset, urlOptions(deps, caller));
    // What ffprobe measured (duration, bit_rate, frame_rate, video {…}, audio {…}, …), as the upload answered it.
    Object.assign(response, asset.media ?? {});
  }
  if (asset.originalFilename !== null) response.original_filename = asset.originalFilename;
  if (asset.info) response.info = asset.info;
  if (asset.moderation) response.moderation = asset.moderation;
  response.version_id = asset.versionId;
  if (page.next) response.next_cursor = encodeDerivedCursor(page.next);
  response.derived = page.derived.map((derived) => derivedItem(deps, caller, asset, derived));
  Object.assign(response, requestedProperties(asset, options.properties));
  if (options.withVersions) {
    const versions = await listAssetVersions(deps.db, asset.assetId);
    response.versions = versions.map((version) => ({
      version_id: version.versionId,
      version: String(version.version),
      format: version.format,
      size: version.bytes,
      time: isoSeconds(version.createdAt),
      // Every version row owns its original (backups-repository.ts), so each one can be restored.
      restorable: true,
    }));
  }
  return response;
}

/**
 * One page of a listing. Without a prefix the order is creation time (newest first unless
 * `direction` says otherwise) from `start_at` on; with one, byte order of public_id, ascending,
 * as Cloudinary documents (`direction` and `start_at` are checked and otherwise ignored there).
 * `order` overrides the choice (the console's moderation queue).
 */
async function listPage(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  params: RawParams,
  filter: ListFilter,
  order: ListOrder = filter.prefix === undefined ? 'created_at' : 'public_id',
  decorate: (item: Json) => Json = (item) => item,
): Promise<Json> {
  const maxResults = maxResultsParameter(params);
  const direction = directionParameter(params);
  const startAt = startAtParameter(params);
  const after = assetCursorParameter(params, order);
  const shape = resourceItemShape(params);
  const page = await listAssets(deps.db, {
    ...filter,
    order,
    maxResults,
    direction: order === 'created_at' ? direction : 'asc',
    ...(order === 'created_at' && startAt ? { createdFrom: startAt } : {}),
    ...(after ? { after } : {}),
  });
  const response: Json = { resources: page.assets.map((asset) => shape(decorate(resourceListItem(deps, caller, asset)))) };
  if (page.next) response.next_cursor = encodeAssetCursor(page.next);
  return response;
}
