import { createHash } from 'node:crypto';
import {
  decodeListCursor,
  encodeListCursor,
  findAsset,
  findAssetsByPublicIds,
  listAssets,
  listAssetVersions,
  listDerivedOfVersion,
  MAX_LIST_RESULTS,
  type AssetListKey,
  type AssetRecord,
  type CatalogDb,
  type DerivedListKey,
  type DerivedRecord,
  type ListDirection,
} from '@rendition/catalog';
import {
  ApiError,
  assetUrls,
  playbackUrl,
  invalidParameter,
  isoSeconds,
  MAX_ADMIN_PUBLIC_IDS,
  parseDeliveryType,
  parseModerationListing,
  parseResourceType,
  publicIdFolder,
  readBoolean,
  readList,
  readString,
  type RawParams,
  type ResourceType,
} from '@rendition/protocol';

export interface AdminReadDependencies {
  db: CatalogDb;
  /** Base of `url` in the resource JSON. */
  publicBaseUrl: string;
  /** Base of `secure_url`. */
  secureBaseUrl: string;
}

/** Who asked: the cloud, and the secret that signs `authenticated` assets' URLs. */
export interface AdminCaller {
  cloudName: string;
  apiSecret: string;
}

type Json = Record<string, unknown>;

export const DEFAULT_MAX_RESULTS = 10;

/** `GET resources/:resource_type[/:type]`: `prefix`, `max_results`, `next_cursor`, `direction`, `tags`, `context`, `fields`. */
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

/** `GET resources/:resource_type/moderations/:kind/:status`: the assets holding that entry; items name it. */
export async function listResourcesByModeration(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; kind: string; status: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const moderation = parseModerationListing(path.kind, path.status);
  return listPage(deps, caller, params, { cloudName: caller.cloudName, resourceType, moderation });
}

/** `GET resources/:resource_type/tags/:tag`. */
export async function listResourcesByTag(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  path: { resourceType: string; tag: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  return listPage(deps, caller, params, { cloudName: caller.cloudName, resourceType, tag: path.tag });
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
  const publicIds = publicIdsParameter(params);
  const shape = itemShape(params);
  const assets = await findAssetsByPublicIds(deps.db, { cloudName: caller.cloudName, resourceType, type, publicIds });
  return { resources: assets.map((asset) => shape(listItem(deps, caller, asset))) };
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
  const maxResults = maxResultsParameter(params);
  const derivedCursor = readString(params, 'derived_next_cursor');
  const after = derivedCursor === undefined ? undefined : derivedKeyFromCursor(derivedCursor);
  const withVersions = readBoolean(params, 'versions', false);

  const asset = await findAsset(deps.db, { cloudName: caller.cloudName, resourceType, type, publicId: path.publicId });
  if (!asset) throw new ApiError(404, `Resource not found - ${path.publicId}`);

  const page = await listDerivedOfVersion(deps.db, {
    assetId: asset.assetId,
    versionId: asset.versionId,
    maxResults,
    ...(after ? { after } : {}),
  });
  const response = listItem(deps, caller, asset);
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
  if (page.next) response.next_cursor = encodeListCursor([page.next.transformationHash, page.next.format]);
  response.derived = page.derived.map((derived) => derivedItem(deps, caller, asset, derived));
  if (withVersions) {
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

async function listPage(
  deps: AdminReadDependencies,
  caller: AdminCaller,
  params: RawParams,
  filter: {
    cloudName: string;
    resourceType: ResourceType;
    type?: string;
    prefix?: string;
    tag?: string;
    moderation?: { kind: string; status: string };
  },
): Promise<Json> {
  const maxResults = maxResultsParameter(params);
  const direction = directionParameter(params);
  const cursor = readString(params, 'next_cursor');
  const after = cursor === undefined ? undefined : assetKeyFromCursor(cursor);
  const shape = itemShape(params);
  const page = await listAssets(deps.db, { ...filter, maxResults, direction, ...(after ? { after } : {}) });
  const moderation = filter.moderation;
  const item = (asset: AssetRecord): Json =>
    moderation
      ? { ...listItem(deps, caller, asset), moderation_kind: moderation.kind, moderation_status: moderation.status }
      : listItem(deps, caller, asset);
  const response: Json = { resources: page.assets.map((asset) => shape(item(asset))) };
  if (page.next) response.next_cursor = encodeListCursor([page.next.publicId, page.next.assetId]);
  return response;
}

/** A listing's item: Cloudinary's Admin resource fields, in its order. */
function listItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord): Json {
  const media = asset.resourceType !== 'raw';
  const item: Json = { asset_id: asset.assetId, public_id: asset.publicId };
  if (media) item.format = asset.format;
  item.version = asset.version;
  item.resource_type = asset.resourceType;
  item.type = asset.type;
  item.created_at = isoSeconds(asset.createdAt);
  // A rejected image is Cloudinary's placeholder: its bytes are not delivered (wave 2 §3.2).
  item.bytes = isModerationPlaceholder(asset) ? 0 : asset.bytes;
  // An audio file has no picture: no width or height, as in the upload's answer.
  if (media && !(asset.resourceType === 'video' && asset.width === null && asset.media)) {
    item.width = asset.width;
    item.height = asset.height;
  }
  item.folder = publicIdFolder(asset.publicId);
  item.asset_folder = asset.assetFolder;
  item.display_name = asset.displayName;
  Object.assign(item, assetUrls(asset, urlOptions(deps, caller)));
  // Kept for itemShape, which drops what was not asked for.
  item.tags = [...asset.tags];
  if (Object.keys(asset.context).length > 0) item.context = { custom: { ...asset.context } };
  if (Object.keys(asset.metadata).length > 0) item.metadata = { ...asset.metadata };
  if (asset.moderation) item.moderation = asset.moderation;
  return item;
}

/** A rejected image: answered with `placeholder: true` and `bytes: 0`, and not delivered. */
export function isModerationPlaceholder(asset: Pick<AssetRecord, 'resourceType' | 'moderationStatus'>): boolean {
  return asset.resourceType === 'image' && asset.moderationStatus === 'rejected';
}

/**
 * What a listing item keeps: `tags` / `context` only when asked with `tags=true` / `context=true`;
 * `fields=a,b` keeps just those (with asset_id and public_id) and takes precedence, as Cloudinary's does.
 */
function itemShape(params: RawParams): (item: Json) => Json {
  const fields = readList(params, 'fields');
  if (fields.length > 0) {
    const keep = new Set(['asset_id', 'public_id', ...fields]);
    return (item) => Object.fromEntries(Object.entries(item).filter(([key]) => keep.has(key)));
  }
  const withTags = readBoolean(params, 'tags', false);
  const withContext = readBoolean(params, 'context', false);
  const withMetadata = readBoolean(params, 'metadata', false);
  const withModerations = readBoolean(params, 'moderations', false);
  return (item) => {
    if (!withModerations) delete item.moderation;
    if (!withTags) delete item.tags;
    if (!withContext) delete item.context;
    if (!withMetadata) delete item.metadata;
    return item;
  };
}

function derivedItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord, derived: DerivedRecord): Json {
  return {
    transformation: derived.transformation,
    format: derived.format,
    bytes: derived.bytes,
    id: derivedId(derived),
    ...assetUrls({ ...asset, format: derived.format }, urlOptions(deps, caller), derived.transformation),
  };
}

/** A stable 32-hex id per derivative (Cloudinary's derived ids look the same), computed from its catalog key. */
export function derivedId(derived: Pick<DerivedRecord, 'assetId' | 'versionId' | 'transformationHash' | 'format'>): string {
  return createHash('md5').update(`${derived.assetId}\n${derived.versionId}\n${derived.transformationHash}\n${derived.format}`).digest('hex');
}

function urlOptions(deps: AdminReadDependencies, caller: AdminCaller) {
  return { cloudName: caller.cloudName, apiSecret: caller.apiSecret, publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl };
}

function maxResultsParameter(params: RawParams): number {
  const text = readString(params, 'max_results');
  if (text === undefined) return DEFAULT_MAX_RESULTS;
  const value = Number(text.trim());
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > MAX_LIST_RESULTS) {
    throw invalidParameter('max_results', text, `expected an integer from 1 to ${MAX_LIST_RESULTS}`);
  }
  return value;
}

/** Cloudinary's `direction`: `asc`/`desc` or `1`/`-1`. Rendition orders listings by public_id. */
function directionParameter(params: RawParams): ListDirection {
  const text = readString(params, 'direction');
  if (text === undefined) return 'asc';
  switch (text.trim().toLowerCase()) {
    case 'asc':
    case '1':
      return 'asc';
    case 'desc':
    case '-1':
      return 'desc';
    default:
      throw invalidParameter('direction', text, 'expected asc, desc, 1 or -1');
  }
}

function publicIdsParameter(params: RawParams): string[] {
  const value = params.public_ids;
  // The SDK sends `public_ids[]` (items may hold commas); a plain `public_ids=a,b` is a comma list.
  const publicIds = (Array.isArray(value) ? value : readList(params, 'public_ids')).filter((publicId) => publicId !== '');
  if (publicIds.length === 0) throw new ApiError(400, 'Missing required parameter - public_ids');
  if (publicIds.length > MAX_ADMIN_PUBLIC_IDS) {
    throw new ApiError(400, `Too many public_ids: at most ${MAX_ADMIN_PUBLIC_IDS} in one request (got ${publicIds.length})`);
  }
  return publicIds;
}

function assetKeyFromCursor(cursor: string): AssetListKey {
  const parts = decodeListCursor(cursor, 2);
  if (!parts) throw invalidCursor('next_cursor', cursor);
  const [publicId = '', assetId = ''] = parts;
  return { publicId, assetId };
}

function derivedKeyFromCursor(cursor: string): DerivedListKey {
  const parts = decodeListCursor(cursor, 2);
  if (!parts) throw invalidCursor('derived_next_cursor', cursor);
  const [transformationHash = '', format = ''] = parts;
  return { transformationHash, format };
}

function invalidCursor(name: string, cursor: string): ApiError {
  return invalidParameter(name, cursor, 'not a cursor this API returned');
}
