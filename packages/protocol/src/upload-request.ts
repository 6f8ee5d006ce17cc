import { checkAddOnParams } from './add-on-params.ts';
import { readAnalysisOptions, readScript, type AnalysisOptions } from './analysis-options.ts';
import { parseAccessControl, type AccessControlEntry } from './asset-settings.ts';
import { checkContextLimits, parseContext } from './context.ts';
import { DEFAULT_MAX_REGIONS, readCoordinates, type Region } from './coordinates.ts';
import { FORMAT_PATTERN, KNOWN_FORMATS } from './formats.ts';
import { normalizeFolder, validatePublicId } from './public-id.ts';
import { invalidParameter, readBoolean, readList, readString } from './request-params.ts';
import type { RawParams } from './request-params.ts';
import { parseAccessMode, parseUploadDeliveryType } from './resource-types.ts';
import type { AccessMode, UploadDeliveryType, UploadResourceType } from './resource-types.ts';
import { checkTagLimits, parseTags } from './tags.ts';

/**
 * The bounds of what one request may put on an asset or ask the cluster to compute. Cloudinary
 * documents the tag limits (255 characters, 1000 per asset); the others are Rendition's defaults where
 * Cloudinary publishes none (docs/compatibility.md, "Parameter limits"). Configured by the
 * CONTEXT_*, TAG*_, METADATA_* and EAGER_* variables; every refusal is a 400 naming the limit.
 */
export interface ParameterLimits {
  /** Longest context key, in characters. */
  contextMaxKeyLength: number;
  /** Longest context value, in characters. */
  contextMaxValueLength: number;
  /** Largest context of one asset: UTF-8 bytes of every key and value together. */
  contextMaxBytes: number;
  /** Longest tag, in characters. */
  tagMaxLength: number;
  /** Most tags on one asset (and so in one request). */
  tagsMaxPerAsset: number;
  /** Longest value of a string structured-metadata field, in characters. */
  metadataMaxValueLength: number;
  /** Most eager transformations in one request. */
  eagerMaxItems: number;
  /** Most output pixels (width x height, summed over the items) the eager list of one request may project. */
  eagerMaxOutputPixels: number;
  /** Most regions in one `face_coordinates` or `custom_coordinates` (DEFAULT_MAX_REGIONS when absent). */
  coordinatesMaxRegions?: number;
}

/** The defaults of the configuration (packages/config), for tests and callers without a configuration. */
export const DEFAULT_PARAMETER_LIMITS: Readonly<ParameterLimits> = Object.freeze({
  contextMaxKeyLength: 128,
  contextMaxValueLength: 1024,
  contextMaxBytes: 8192,
  tagMaxLength: 255,
  tagsMaxPerAsset: 1000,
  metadataMaxValueLength: 1024,
  eagerMaxItems: 20,
  eagerMaxOutputPixels: 200_000_000,
  coordinatesMaxRegions: DEFAULT_MAX_REGIONS,
});

/**
 * An upload request's parameters, typed and validated; the source (`file`) and the authentication
 * fields are handled elsewhere. Eager, incoming transformation, moderation and raw_convert stay raw
 * text: other packages own their grammars.
 */
export type UploadRequest = {
  resourceType: UploadResourceType;
  type: UploadDeliveryType;
  publicId?: string;
  /** Fixed-folder prefix of the public_id (slashes trimmed). */
  folder?: string;
  assetFolder?: string;
  displayName?: string;
  publicIdPrefix?: string;
  useFilename: boolean;
  uniqueFilename: boolean;
  filenameOverride?: string;
  useFilenameAsDisplayName: boolean;
  useAssetFolderAsPublicIdPrefix: boolean;
  uniqueDisplayName: boolean;
  discardOriginalFilename: boolean;
  overwrite: boolean;
  invalidate: boolean;
  backup: boolean;
  tags: string[];
  context: Record<string, string>;
  /** Structured metadata by field external id, values as sent (typing needs the field definitions). */
  metadata: Record<string, string>;
  /** clear_invalid=true: metadata values that fail validation are dropped instead of refused. */
  clearInvalid?: boolean;
  /** Convert the original to this format before storing. */
  format?: string;
  allowedFormats: string[];
  async: boolean;
  notificationUrl?: string;
  eager?: string;
  eagerAsync: boolean;
  eagerNotificationUrl?: string;
  transformation?: string;
  moderation?: string;
  rawConvert?: string;
  /** `responsive_breakpoints`: the JSON as sent (parseResponsiveBreakpoints). */
  responsiveBreakpoints?: string;
  uploadPreset?: string;
  callback?: string;
  returnDeleteToken: boolean;
  accessMode?: AccessMode;
  /** `access_control` (a JSON array, as `update` takes it): stored on the asset and answered; absent or `[]`: none. */
  accessControl?: AccessControlEntry[];
  /** colors, phash, quality_analysis, accessibility_analysis, media_metadata/image_metadata. */
  analysis: AnalysisOptions;
  /** `faces=true`: the answer carries the asset's face regions. */
  faces?: true;
  /** `face_coordinates` / `custom_coordinates`: stored with the asset (bounded by the image at ingest); absent or empty: none. */
  faceCoordinates?: Region[];
  customCoordinates?: Region[];
  /** `eval`: runs after the analyses, before the asset is stored (docs/analysis.md). */
  evalScript?: string;
  /** `on_success`: runs once the upload is stored. */
  onSuccess?: string;
};

/** Formats in `allowed_formats` may be any file type (raw ones too), so only their shape is checked. */
const ALLOWED_FORMAT_PATTERN = /^[a-z0-9]{1,10}$/;

function readWebhookUrl(params: RawParams, name: string): string | undefined {
  const text = readString(params, name);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter(name, text, 'expected an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidParameter(name, text, 'expected an absolute http or https URL');
  }
  return text;
}

function readFormat(params: RawParams): string | undefined {
  const text = readString(params, 'format');
  if (text === undefined) return undefined;
  const format = text.trim().toLowerCase();
  if (!FORMAT_PATTERN.test(format) || !KNOWN_FORMATS.has(format)) {
    throw invalidParameter('format', text, 'not a supported format');
  }
  return format;
}

function readAllowedFormats(params: RawParams): string[] {
  const formats = readList(params, 'allowed_formats').map((format) => format.toLowerCase());
  for (const format of formats) {
    if (!ALLOWED_FORMAT_PATTERN.test(format)) {
      throw invalidParameter('allowed_formats', format, 'formats are file extensions like jpg or pdf');
    }
  }
  return [...new Set(formats)];
}

/**
 * Refuses an upload whose tags or context exceed `limits` (a 400 naming the limit). Structured
 * metadata is bounded where its fields' types are known (assets' resolveMetadata), eager lists where
 * they are parsed (derivations' resolveEagerSpecs).
 */
export function checkUploadRequestLimits(request: Pick<UploadRequest, 'tags' | 'context'>, limits: ParameterLimits): void {
  checkTagLimits(request.tags, limits);
  checkContextLimits(request.context, limits);
}

/**
 * Types the parameters of `POST /<resource_type>/upload`. Unknown parameters are ignored, as
 * Cloudinary ignores them. Defaults are Cloudinary's: unique_filename and overwrite true, every
 * other flag false, type `upload`. A route that fixes the type sets `params.type` before calling.
 * With `limits`, tags and context are bounded by them (checkUploadRequestLimits). Without, it parses
 * as it always did: tags within Cloudinary's documented limits (255 characters, 1000 tags), context
 * only by its shape; intake's acceptUpload then applies the configured limits to every upload.
 */
export function parseUploadRequest(params: RawParams, pathResourceType: UploadResourceType, limits?: ParameterLimits): UploadRequest {
  // detection, background_removal, categorization: a legal value is ignored (no engine), an illegal one refused.
  checkAddOnParams(params);
  const request: UploadRequest = {
    resourceType: pathResourceType,
    type: parseUploadDeliveryType(readString(params, 'type') ?? 'upload'),
    useFilename: readBoolean(params, 'use_filename', false),
    uniqueFilename: readBoolean(params, 'unique_filename', true),
    useFilenameAsDisplayName: readBoolean(params, 'use_filename_as_display_name', false),
    useAssetFolderAsPublicIdPrefix: readBoolean(params, 'use_asset_folder_as_public_id_prefix', false),
    uniqueDisplayName: readBoolean(params, 'unique_display_name', false),
    discardOriginalFilename: readBoolean(params, 'discard_original_filename', false),
    overwrite: readBoolean(params, 'overwrite', true),
    invalidate: readBoolean(params, 'invalidate', false),
    backup: readBoolean(params, 'backup', false),
    tags: parseTags(params, 'tags', limits),
    context: parseContext(readString(params, 'context') ?? '', limits),
    metadata: parseContext(readString(params, 'metadata') ?? ''),
    allowedFormats: readAllowedFormats(params),
    async: readBoolean(params, 'async', false),
    eagerAsync: readBoolean(params, 'eager_async', false),
    returnDeleteToken: readBoolean(params, 'return_delete_token', false),
    analysis: readAnalysisOptions(params),
  };
  const evalScript = readScript(params, 'eval');
  if (evalScript !== undefined) request.evalScript = evalScript;
  const onSuccess = readScript(params, 'on_success');
  if (onSuccess !== undefined) request.onSuccess = onSuccess;

  if (readBoolean(params, 'clear_invalid', false)) request.clearInvalid = true;
  if (readBoolean(params, 'faces', false)) request.faces = true;
  const maxRegions = limits?.coordinatesMaxRegions ?? DEFAULT_MAX_REGIONS;
  const faceCoordinates = readCoordinates(params, 'face_coordinates', maxRegions);
  if (faceCoordinates !== undefined && faceCoordinates.length > 0) request.faceCoordinates = faceCoordinates;
  const customCoordinates = readCoordinates(params, 'custom_coordinates', maxRegions);
  if (customCoordinates !== undefined && customCoordinates.length > 0) request.customCoordinates = customCoordinates;
  const publicId = readString(params, 'public_id');
  if (publicId !== undefined) request.publicId = validatePublicId(publicId);
  const folder = readString(params, 'folder');
  const normalizedFolder = folder === undefined ? undefined : normalizeFolder(folder, 'folder');
  if (normalizedFolder !== undefined) request.folder = normalizedFolder;
  const prefix = readString(params, 'public_id_prefix');
  const normalizedPrefix = prefix === undefined ? undefined : normalizeFolder(prefix, 'public_id_prefix');
  if (normalizedPrefix !== undefined) request.publicIdPrefix = normalizedPrefix;

  const optionalStrings = {
    assetFolder: 'asset_folder',
    displayName: 'display_name',
    filenameOverride: 'filename_override',
    eager: 'eager',
    transformation: 'transformation',
    moderation: 'moderation',
    rawConvert: 'raw_convert',
    responsiveBreakpoints: 'responsive_breakpoints',
    uploadPreset: 'upload_preset',
    callback: 'callback',
  } as const;
  for (const [field, name] of Object.entries(optionalStrings) as Array<[keyof typeof optionalStrings, string]>) {
    const value = readString(params, name);
    if (value !== undefined) request[field] = value;
  }

  const format = readFormat(params);
  if (format !== undefined) request.format = format;
  const notificationUrl = readWebhookUrl(params, 'notification_url');
  if (notificationUrl !== undefined) request.notificationUrl = notificationUrl;
  const eagerNotificationUrl = readWebhookUrl(params, 'eager_notification_url');
  if (eagerNotificationUrl !== undefined) request.eagerNotificationUrl = eagerNotificationUrl;
  const accessMode = readString(params, 'access_mode');
  if (accessMode !== undefined) request.accessMode = parseAccessMode(accessMode);
  const accessControl = readString(params, 'access_control');
  if (accessControl !== undefined) {
    const entries = parseAccessControl(accessControl);
    if (entries.length > 0) request.accessControl = entries;
  }
  return request;
}
