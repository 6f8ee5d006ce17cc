import { ApiError } from './api-error.ts';
import { quoteValue } from './request-params.ts';

export const RESOURCE_TYPES = ['image', 'video', 'raw'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
/** `auto` exists only on upload: the server picks image, video or raw from the content. */
export type UploadResourceType = ResourceType | 'auto';
/** The delivery types an upload may name. */
export const UPLOAD_DELIVERY_TYPES = ['upload', 'private', 'authenticated'] as const;
export type UploadDeliveryType = (typeof UPLOAD_DELIVERY_TYPES)[number];
/**
 * The types of what `multi`, `generate_sprite` and `text` create (docs/compositions.md): stored and
 * delivered like any asset, at `/<cloud>/image/<type>/…`; an upload cannot name them.
 */
export const GENERATED_DELIVERY_TYPES = ['multi', 'sprite', 'text'] as const;
export type GeneratedDeliveryType = (typeof GENERATED_DELIVERY_TYPES)[number];
/**
 * A remote image fetched on delivery (`/<cloud>/image/fetch/<url>`, docs/fetch-delivery.md): stored as
 * an asset of this type whose public_id is the URL; an upload cannot name it.
 */
export const FETCH_DELIVERY_TYPE = 'fetch';
/** Every type an asset may have. */
export const DELIVERY_TYPES = [...UPLOAD_DELIVERY_TYPES, ...GENERATED_DELIVERY_TYPES, FETCH_DELIVERY_TYPE] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];
export const ACCESS_MODES = ['public', 'authenticated'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

// Routes use the predicates (an unknown resource type in a path is a 404: nothing lives there);
// the parse helpers are for values in a request body, where a bad value is a 400.

export function isResourceType(value: string): value is ResourceType {
  return isOneOf(RESOURCE_TYPES, value);
}

export function isUploadResourceType(value: string): value is UploadResourceType {
  return value === 'auto' || isResourceType(value);
}

/** Any type an asset may have, generated ones included (see GENERATED_DELIVERY_TYPES). */
export function isDeliveryType(value: string): value is DeliveryType {
  return isOneOf(DELIVERY_TYPES, value);
}

export function isGeneratedDeliveryType(value: string): value is GeneratedDeliveryType {
  return isOneOf(GENERATED_DELIVERY_TYPES, value);
}

export function parseResourceType(value: string): ResourceType {
  if (isResourceType(value)) return value;
  throw new ApiError(400, `Invalid resource type ${quoteValue(value)}: expected image, video or raw`);
}

export function parseUploadResourceType(value: string): UploadResourceType {
  if (isUploadResourceType(value)) return value;
  throw new ApiError(400, `Invalid resource type ${quoteValue(value)}: expected image, video, raw or auto`);
}

export function parseDeliveryType(value: string): DeliveryType {
  if (isDeliveryType(value)) return value;
  throw invalidType(value);
}

/** The `type` of an upload: a generated type is what only the composition calls create. */
export function parseUploadDeliveryType(value: string): UploadDeliveryType {
  if (isOneOf(UPLOAD_DELIVERY_TYPES, value)) return value;
  throw invalidType(value);
}

function invalidType(value: string): ApiError {
  return new ApiError(400, `Invalid type ${quoteValue(value)}: expected upload, private or authenticated`);
}

export function parseAccessMode(value: string): AccessMode {
  if (isOneOf(ACCESS_MODES, value)) return value;
  throw new ApiError(400, `Invalid access_mode ${quoteValue(value)}: expected public or authenticated`);
}
