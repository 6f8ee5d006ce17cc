import { createHash } from 'node:crypto';
import type { AssetRecord, CatalogDb, DerivedRecord } from '@rendition/catalog';
import { assetUrls, isoSeconds, publicIdFolder, readBoolean, type RawParams } from '@rendition/protocol';
import { fieldsParameter } from './listing-params.ts';

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

export type Json = Record<string, unknown>;

/**
 * Fields an item carries only when asked for: `tags`, `context`, `metadata`, `moderation` by their
 * flags (`moderations` for the last) or by `fields`; the rest of the resource JSON's scalar fields
 * only by `fields`, so that a listing can answer any field a `resource` call would.
 */
const FLAGGED_FIELDS: ReadonlyArray<readonly [field: string, flag: string]> = [
  ['tags', 'tags'],
  ['context', 'context'],
  ['metadata', 'metadata'],
  ['moderation', 'moderations'],
];
const FIELDS_ONLY = ['access_mode', 'etag', 'placeholder', 'pages', 'original_filename', 'version_id'];

/**
 * A listing's item: Cloudinary's Admin resource fields in its order, then everything `resourceItemShape`
 * may keep. Search-like answers build their items here too, so every listing answers the same fields.
 */
export function resourceListItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord): Json {
  return { ...resourceBaseItem(deps, caller, asset), ...optionalFields(asset) };
}

/** The fields every listing item has, in Cloudinary's order (the `resource` JSON starts with them too). */
export function resourceBaseItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord): Json {
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
  return item;
}

function optionalFields(asset: AssetRecord): Json {
  const item: Json = {};
  item.access_mode = asset.accessMode;
  item.etag = asset.etag;
  item.placeholder = isModerationPlaceholder(asset);
  if (asset.resourceType === 'image') item.pages = asset.pages ?? 1;
  if (asset.originalFilename !== null) item.original_filename = asset.originalFilename;
  item.version_id = asset.versionId;
  item.tags = [...asset.tags];
  if (Object.keys(asset.context).length > 0) item.context = { custom: { ...asset.context } };
  if (Object.keys(asset.metadata).length > 0) item.metadata = { ...asset.metadata };
  if (asset.moderation) item.moderation = asset.moderation;
  return item;
}

/**
 * What a listing item keeps. `fields=a,b` keeps just those (with asset_id, public_id and folder,
 * which Cloudinary always returns: the SDK's own api_spec expects exactly these four for
 * `fields: ['tags']`) and takes precedence over the flags; without it, `tags=true`,
 * `context=true`, `metadata=true` and `moderations=true` add their field to the default ones.
 */
export function resourceItemShape(params: RawParams): (item: Json) => Json {
  const fields = fieldsParameter(params);
  if (fields.length > 0) {
    const keep = new Set(['asset_id', 'public_id', 'folder', ...fields]);
    return (item) => Object.fromEntries(Object.entries(item).filter(([key]) => keep.has(key)));
  }
  const dropped = new Set(FIELDS_ONLY);
  for (const [field, flag] of FLAGGED_FIELDS) if (!readBoolean(params, flag, false)) dropped.add(field);
  return (item) => Object.fromEntries(Object.entries(item).filter(([key]) => !dropped.has(key)));
}

/** A rejected image: answered with `placeholder: true` and `bytes: 0`, and not delivered. */
export function isModerationPlaceholder(asset: Pick<AssetRecord, 'resourceType' | 'moderationStatus'>): boolean {
  return asset.resourceType === 'image' && asset.moderationStatus === 'rejected';
}

export function derivedItem(deps: AdminReadDependencies, caller: AdminCaller, asset: AssetRecord, derived: DerivedRecord): Json {
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

export function urlOptions(deps: AdminReadDependencies, caller: AdminCaller) {
  return { cloudName: caller.cloudName, apiSecret: caller.apiSecret, publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl };
}
