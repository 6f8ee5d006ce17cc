import type { Selectable } from 'kysely';
import { parseDeliveryType, parseResourceType, type DeliveryType, type ResourceType } from '@rendition/protocol';
import type { AccessControlEntry } from '@rendition/protocol';
import type { AssetsTable, DeletedAssetsTable, MetadataValue, ModerationEntryRow } from './database-schema.ts';

/**
 * The asset record and its row mappings: what every catalog module that reads or writes `assets` (and
 * `deleted_assets`) shares, so the repositories import this and never each other for it.
 */

/** Where a management call looks for public_ids: one cloud, resource type and delivery type. */
export interface AssetScope {
  cloudName: string;
  resourceType: string;
  type: string;
}

/** One asset's name: unique in the catalog (`assets_identity_unique`). */
export interface AssetIdentity extends AssetScope {
  publicId: string;
}

/**
 * A stored asset as the catalog returns it. Its resource type and delivery type are protocol's types,
 * so a record is what protocol's response builders take (an `AssetView`) as it is.
 */
export interface AssetRecord extends AssetIdentity {
  resourceType: ResourceType;
  type: DeliveryType;
  assetId: string;
  version: number;
  versionId: string;
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  bytes: number;
  etag: string;
  contentType: string;
  storageKey: string;
  tags: string[];
  context: Record<string, string>;
  /** Structured metadata by field external_id. */
  metadata: Record<string, MetadataValue>;
  assetFolder: string;
  displayName: string;
  originalFilename: string | null;
  accessMode: string;
  createdAt: Date;
  /** The current version's `info` (raw_convert results); a new version has none. */
  info?: Record<string, unknown> | null;
  /** What ffprobe measured of a video/audio version, in Cloudinary's wire form; null for images and raw. */
  media?: Record<string, unknown> | null;
  /** The current version's moderation entries in wire form; null when it was not moderated (docs/moderation.md). */
  moderation?: ModerationEntryRow[] | null;
  /** Overall moderation status: rejected, pending or approved; null when not moderated. */
  moderationStatus?: string | null;
  /** The upload's notification_url, notified of later moderation decisions. */
  moderationNotificationUrl?: string | null;
  /** Cloudinary's access_control list (Admin API update); null or absent when unrestricted. Kept across versions. */
  accessControl?: AccessControlEntry[] | null;
  /** The Admin API update's quality_override. Kept across versions. */
  qualityOverride?: string | null;
  /** The version's face regions (`face_coordinates`), `[x, y, w, h]` each; null or absent when none. */
  faceCoordinates?: Array<[number, number, number, number]> | null;
  /** The version's custom regions (`custom_coordinates`); null or absent when none. */
  customCoordinates?: Array<[number, number, number, number]> | null;
  /** The version's cinemagraph score (0..1); null or absent when it was not computed. */
  cinemagraphScore?: number | null;
  /** The version's `image_metadata` as read at ingest; null or absent when not read. */
  imageMetadata?: Record<string, string> | null;
}

/** An asset's identity and descriptive fields: what outlives its versions in `deleted_assets`. */
export type AssetDescription = Omit<
  AssetRecord,
  | 'version'
  | 'versionId'
  | 'format'
  | 'width'
  | 'height'
  | 'pages'
  | 'bytes'
  | 'etag'
  | 'contentType'
  | 'storageKey'
  | 'media'
  | 'moderation'
  | 'moderationStatus'
  | 'moderationNotificationUrl'
  | 'accessControl'
  | 'qualityOverride'
  | 'faceCoordinates'
  | 'customCoordinates'
  | 'cinemagraphScore'
  | 'imageMetadata'
>;

/** An `assets` row → its record. */
export function assetRecordFromRow(row: Selectable<AssetsTable>): AssetRecord {
  return {
    ...toAssetDescription(row),
    version: Number(row.version),
    versionId: row.version_id.trim(),
    format: row.format,
    width: row.width,
    height: row.height,
    pages: row.pages,
    bytes: Number(row.bytes),
    etag: row.etag.trim(),
    contentType: row.content_type,
    storageKey: row.storage_key,
    info: row.info ?? null,
    media: row.media ?? null,
    moderation: row.moderation ?? null,
    moderationStatus: row.moderation_status ?? null,
    moderationNotificationUrl: row.moderation_notification_url ?? null,
    accessControl: row.access_control ?? null,
    qualityOverride: row.quality_override ?? null,
    faceCoordinates: row.face_coordinates ?? null,
    customCoordinates: row.custom_coordinates ?? null,
    cinemagraphScore: row.cinemagraph_score ?? null,
    imageMetadata: row.image_metadata ?? null,
  };
}

/**
 * The columns `assets` shares with `deleted_assets`, read into their record fields. The one place a
 * stored resource type and delivery type become protocol's types (a value protocol does not know is
 * its 400, as when callers parsed them).
 */
export function toAssetDescription(row: Omit<Selectable<DeletedAssetsTable>, 'deleted_at'>): AssetDescription {
  return {
    assetId: row.asset_id.trim(),
    cloudName: row.cloud_name,
    resourceType: parseResourceType(row.resource_type),
    type: parseDeliveryType(row.type),
    publicId: row.public_id,
    tags: row.tags,
    context: row.context,
    metadata: row.metadata ?? {},
    assetFolder: row.asset_folder,
    displayName: row.display_name,
    originalFilename: row.original_filename,
    accessMode: row.access_mode,
    createdAt: row.created_at,
  };
}

/** A record → the `assets` row that stores it. */
export function assetRow(asset: AssetRecord) {
  return {
    asset_id: asset.assetId,
    cloud_name: asset.cloudName,
    resource_type: asset.resourceType,
    type: asset.type,
    public_id: asset.publicId,
    version: asset.version,
    version_id: asset.versionId,
    format: asset.format,
    width: asset.width,
    height: asset.height,
    pages: asset.pages,
    bytes: asset.bytes,
    etag: asset.etag,
    content_type: asset.contentType,
    storage_key: asset.storageKey,
    tags: asset.tags,
    context: JSON.stringify(asset.context),
    metadata: JSON.stringify(asset.metadata),
    asset_folder: asset.assetFolder,
    display_name: asset.displayName,
    original_filename: asset.originalFilename,
    access_mode: asset.accessMode,
    created_at: asset.createdAt,
    info: asset.info ? JSON.stringify(asset.info) : null,
    media: asset.media ? JSON.stringify(asset.media) : null,
    moderation: asset.moderation ? JSON.stringify(asset.moderation) : null,
    moderation_status: asset.moderationStatus ?? null,
    moderation_notification_url: asset.moderationNotificationUrl ?? null,
    // Facts of the version's pixels: a new version starts with its own (none unless its ingest found them).
    face_coordinates: regionsColumn(asset.faceCoordinates),
    custom_coordinates: regionsColumn(asset.customCoordinates),
    cinemagraph_score: asset.cinemagraphScore ?? null,
    image_metadata: asset.imageMetadata ? JSON.stringify(asset.imageMetadata) : null,
  };
}

/** Regions as stored: an empty list is none. */
export function regionsColumn(regions: ReadonlyArray<readonly number[]> | null | undefined): string | null {
  return regions && regions.length > 0 ? JSON.stringify(regions) : null;
}
