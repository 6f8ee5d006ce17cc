import {
  ApiError,
  invalidParameter,
  isDeliveryType,
  isResourceType,
  normalizeFolder,
  parseDeliveryType,
  parseTags,
  quoteValue,
  rawPublicIdWithExtension,
  readBoolean,
  readList,
  readString,
  RESOURCE_TYPES,
  validatePublicId,
  type DeliveryType,
  type RawParams,
  type ResourceType,
  type TagLimits,
} from '@rendition/protocol';
import type { ArchiveNaming } from './entry-naming.ts';

export type ArchiveMode = 'create' | 'download';
export type ArchiveFormat = 'zip' | 'tgz';

/** `<resource_type>/<type>/<public_id>`, one item of `fully_qualified_public_ids`. */
export interface QualifiedPublicId {
  resourceType: ResourceType;
  type: DeliveryType;
  publicId: string;
}

/** A generate_archive call, typed and validated; nothing here has touched the catalog yet. */
export interface ArchiveRequest {
  mode: ArchiveMode;
  targetFormat: ArchiveFormat;
  /** The path's resource type: one, or all three (`all`, and `auto`, which the SDKs use with fully_qualified_public_ids). */
  resourceTypes: ResourceType[];
  type: DeliveryType;
  publicIds: string[];
  prefixes: string[];
  tags: string[];
  fullyQualifiedPublicIds: QualifiedPublicId[];
  /** Eager syntax (`w_100,c_fill/png|e_grayscale`); resolved by the derivations package. */
  transformations: string | undefined;
  naming: ArchiveNaming;
  allowMissing: boolean;
  keepDerived: boolean;
  async: boolean;
  notificationUrl: string | undefined;
  /** Unix seconds after which a download link is refused. */
  expiresAt: number | undefined;
  /** With its `.zip`/`.tgz` extension; absent: a generated one. */
  targetPublicId: string | undefined;
  targetTags: string[];
  targetAssetFolder: string;
}

export interface ArchiveRequestLimits {
  tags: TagLimits;
  /** Most public_ids (plain and fully qualified together): more could never fit the archive. */
  maxResources: number;
  /** Most values of `prefixes`, and of `tags`. */
  maxSelectors: number;
}

const ARCHIVE_SCOPES = 'image, video, raw, all or auto';

/** The path's resource type: a single one, or every one for `all` and `auto`. */
export function parseArchiveScope(value: string): ResourceType[] {
  if (isResourceType(value)) return [value];
  if (value === 'all' || value === 'auto') return [...RESOURCE_TYPES];
  throw new ApiError(400, `Invalid resource type ${quoteValue(value)}: expected ${ARCHIVE_SCOPES}`);
}

export function parseArchiveRequest(params: RawParams, pathResourceType: string, limits: ArchiveRequestLimits): ArchiveRequest {
  const resourceTypes = parseArchiveScope(pathResourceType);
  const mode = oneOf(params, 'mode', ['create', 'download'] as const, 'create');
  const targetFormat = oneOf(params, 'target_format', ['zip', 'tgz'] as const, 'zip');
  const publicIds = unique(readList(params, 'public_ids'));
  const fullyQualifiedPublicIds = unique(readList(params, 'fully_qualified_public_ids')).map(parseQualifiedPublicId);
  const prefixes = unique(readList(params, 'prefixes'));
  const tags = unique(readList(params, 'tags'));
  if (publicIds.length + prefixes.length + tags.length + fullyQualifiedPublicIds.length === 0) {
    throw new ApiError(400, 'Missing required parameter - one of public_ids, prefixes, tags or fully_qualified_public_ids');
  }
  if (publicIds.length + fullyQualifiedPublicIds.length > limits.maxResources) {
    throw new ApiError(
      400,
      `Too many public_ids: an archive holds at most ${limits.maxResources} resources, got ${publicIds.length + fullyQualifiedPublicIds.length}`,
    );
  }
  for (const [name, values] of [
    ['prefixes', prefixes],
    ['tags', tags],
  ] as const) {
    if (values.length > limits.maxSelectors)
      throw new ApiError(400, `Too many ${name}: at most ${limits.maxSelectors} are allowed, got ${values.length}`);
  }
  const targetPublicId = readString(params, 'target_public_id');
  return {
    mode,
    targetFormat,
    resourceTypes,
    type: parseDeliveryType(readString(params, 'type') ?? 'upload'),
    publicIds,
    prefixes,
    tags,
    fullyQualifiedPublicIds,
    transformations: readTransformations(params),
    naming: {
      flattenFolders: readBoolean(params, 'flatten_folders', false),
      flattenTransformations: readBoolean(params, 'flatten_transformations', false),
      useOriginalFilename: readBoolean(params, 'use_original_filename', false),
      skipTransformationName: readBoolean(params, 'skip_transformation_name', false),
    },
    allowMissing: readBoolean(params, 'allow_missing', false),
    keepDerived: readBoolean(params, 'keep_derived', false),
    async: readBoolean(params, 'async', false),
    notificationUrl: readString(params, 'notification_url'),
    expiresAt: readExpiresAt(params),
    targetPublicId: targetPublicId === undefined ? undefined : rawPublicIdWithExtension(validatePublicId(targetPublicId), targetFormat),
    targetTags: parseTags(params, 'target_tags', limits.tags),
    targetAssetFolder: normalizeFolder(readString(params, 'target_asset_folder') ?? '', 'target_asset_folder') ?? '',
  };
}

function oneOf<const T extends string>(params: RawParams, name: string, values: readonly T[], fallback: T): T {
  const text = readString(params, name);
  if (text === undefined) return fallback;
  const value = values.find((candidate) => candidate === text.trim().toLowerCase());
  if (value === undefined) throw invalidParameter(name, text, `expected ${values.join(' or ')}`);
  return value;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function parseQualifiedPublicId(text: string): QualifiedPublicId {
  const [resourceType = '', type = '', ...rest] = text.split('/');
  const publicId = rest.join('/');
  if (!isResourceType(resourceType) || !isDeliveryType(type) || publicId === '') {
    throw invalidParameter('fully_qualified_public_ids', text, 'expected <resource_type>/<type>/<public_id>, e.g. image/upload/sample');
  }
  return { resourceType, type, publicId };
}

/** A `transformations[]` list is the same eager list as its `|`-joined text (readString would join it with commas). */
function readTransformations(params: RawParams): string | undefined {
  const value = params.transformations;
  const text = Array.isArray(value) ? value.filter((item) => item.trim() !== '').join('|') : value;
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** The SDKs send seconds, sometimes with a fraction (`Date.now() / 1000 + 60`). */
function readExpiresAt(params: RawParams): number | undefined {
  const text = readString(params, 'expires_at');
  if (text === undefined) return undefined;
  const seconds = /^\s*\d{1,12}(?:\.\d+)?\s*$/.test(text) ? Math.floor(Number(text)) : Number.NaN;
  if (!Number.isSafeInteger(seconds)) throw invalidParameter('expires_at', text, 'expected a Unix time in seconds');
  return seconds;
}
