import { isoSeconds } from './dates.ts';
import { buildDeliveryUrl, deliveryStringToSign } from './delivery-url.ts';
import { publicIdFolder } from './public-id.ts';
import type { DeliveryType, ResourceType } from './resource-types.ts';
import { responseSignature, urlSignature } from './signature.ts';
import type { SignatureAlgorithm } from './signature.ts';

/** What a response needs to know about one stored version of an asset. */
export type AssetView = {
  assetId: string;
  publicId: string;
  resourceType: ResourceType;
  type: DeliveryType;
  version: number;
  versionId: string;
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  bytes: number;
  etag: string;
  createdAt: Date;
  tags: string[];
  context: Record<string, string>;
  /** Structured metadata by field external_id. */
  metadata?: Record<string, unknown>;
  assetFolder: string;
  displayName: string;
  originalFilename: string | null;
  accessMode: string;
  /** Add-on results (`raw_convert`): shown when present. */
  info?: Record<string, unknown> | null;
  /**
   * What ffprobe measured of a video or audio asset, in wire form and order (`audio`, `video`,
   * `is_audio`, `frame_rate`, `bit_rate`, `duration`, `rotation`, `nb_frames`); absent or null otherwise.
   */
  media?: Record<string, unknown> | null;
};

export type ResponseOptions = {
  apiKey: string;
  apiSecret: string;
  signatureAlgorithm?: SignatureAlgorithm;
  /** Base of `url` (http in Cloudinary's responses). */
  publicBaseUrl: string;
  /** Base of `secure_url`. */
  secureBaseUrl: string;
  cloudName: string;
  /** overwrite=false found this asset already there; the response says so with `existing: true`. */
  existing?: boolean;
  /** The upload replaced an asset stored under the same public_id: `overwritten: true` (wave 2 §1.5). */
  overwritten?: boolean;
};

/**
 * Delivery URLs of an asset's original. An `authenticated` asset is only deliverable through a
 * signed URL, so its URLs carry the `s--…--` component as Cloudinary's do.
 */
export function assetUrls(
  asset: Pick<AssetView, 'publicId' | 'resourceType' | 'type' | 'version' | 'format'>,
  options: Pick<ResponseOptions, 'apiSecret' | 'signatureAlgorithm' | 'publicBaseUrl' | 'secureBaseUrl' | 'cloudName'>,
  transformation?: string,
): { url: string; secure_url: string } {
  const parts = {
    cloudName: options.cloudName,
    resourceType: asset.resourceType,
    type: asset.type,
    version: asset.version,
    publicId: asset.publicId,
    format: asset.format,
    transformation,
    signature:
      asset.type === 'authenticated'
        ? urlSignature(deliveryStringToSign({ ...asset, transformation }), options.apiSecret, {
            algorithm: options.signatureAlgorithm ?? 'sha1',
          })
        : undefined,
  };
  return {
    url: buildDeliveryUrl({ ...parts, baseUrl: options.publicBaseUrl }),
    secure_url: buildDeliveryUrl({ ...parts, baseUrl: options.secureBaseUrl }),
  };
}

/**
 * `playback_url` of a video: its adaptive (HLS) stream with Cloudinary's automatic ladder,
 * `…/video/<type>/[s--sig--/]sp_auto/v<version>/<public_id>.m3u8` (signed for itself when the asset is).
 */
export function playbackUrl(
  asset: Pick<AssetView, 'publicId' | 'resourceType' | 'type' | 'version'>,
  options: Pick<ResponseOptions, 'apiSecret' | 'signatureAlgorithm' | 'publicBaseUrl' | 'secureBaseUrl' | 'cloudName'>,
): string {
  return assetUrls({ ...asset, format: 'm3u8' }, options, 'sp_auto').secure_url;
}

/**
 * The resource JSON of upload/explicit responses and upload notifications, with Cloudinary's field
 * set and order (reference §3.1). Raw assets have no width, height, format or pages; `pages` is an
 * image field (1 unless the asset has several). `folder` is the public_id's folder, as fixed-folder
 * clouds report it: Rendition's public_ids are paths, so clients written for either folder mode find
 * the field they read. Callers append conditional fields (eager, moderation, info, video metadata,
 * delete_token...) after this object's fields.
 */
export function buildUploadResponse(asset: AssetView, options: ResponseOptions): Record<string, unknown> {
  const media = asset.resourceType !== 'raw';
  const response: Record<string, unknown> = {
    asset_id: asset.assetId,
    public_id: asset.publicId,
    version: asset.version,
    version_id: asset.versionId,
    signature: responseSignature(asset.publicId, asset.version, options.apiSecret, options.signatureAlgorithm ?? 'sha1'),
  };
  const probed = asset.resourceType === 'video' ? (asset.media ?? null) : null;
  if (media) {
    // An audio file has no picture: Cloudinary leaves its width and height out.
    if (probed === null || asset.width !== null) {
      response.width = asset.width;
      response.height = asset.height;
    }
    response.format = asset.format;
  }
  response.resource_type = asset.resourceType;
  response.created_at = isoSeconds(asset.createdAt);
  response.tags = [...asset.tags];
  if (asset.resourceType === 'image') response.pages = asset.pages ?? 1;
  if (asset.resourceType === 'video') response.pages = 0;
  response.bytes = asset.bytes;
  response.type = asset.type;
  response.etag = asset.etag;
  response.placeholder = false;
  Object.assign(response, assetUrls(asset, options));
  if (asset.resourceType === 'video') response.playback_url = playbackUrl(asset, options);
  response.folder = publicIdFolder(asset.publicId);
  response.asset_folder = asset.assetFolder;
  response.display_name = asset.displayName;
  if (Object.keys(asset.context).length > 0) response.context = { custom: { ...asset.context } };
  if (asset.metadata && Object.keys(asset.metadata).length > 0) response.metadata = { ...asset.metadata };
  response.access_mode = asset.accessMode;
  if (options.overwritten === true) response.overwritten = true;
  const { nb_frames: frames, ...measured } = probed ?? {};
  Object.assign(response, measured);
  if (asset.originalFilename !== null) response.original_filename = asset.originalFilename;
  if (asset.info) response.info = asset.info;
  if (frames !== undefined) response.nb_frames = frames;
  response.api_key = options.apiKey;
  if (options.existing === true) response.existing = true;
  return response;
}

/** The immediate reply to `async=true` (reference §3.2); the result follows as a notification. */
export function buildAsyncPendingResponse(fields: {
  publicId?: string | undefined;
  type: DeliveryType;
  resourceType: ResourceType | 'auto';
  batchId: string;
}): Record<string, unknown> {
  const response: Record<string, unknown> = { status: 'pending' };
  if (fields.publicId !== undefined) response.public_id = fields.publicId;
  response.type = fields.type;
  response.resource_type = fields.resourceType;
  response.batch_id = fields.batchId;
  return response;
}
