/**
 * Upload presets' wire rules (reference §2.9): the name pattern, the parameters an unsigned upload may
 * send, and Cloudinary's messages. Used by intake (applying a preset) and admin (managing presets).
 */
export const PRESET_NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** Cloudinary's unsigned allow-list (reference §1.1), in the order its message lists it. */
export const UNSIGNED_ALLOWED_PARAMS = [
  'upload_preset',
  'callback',
  'public_id',
  'folder',
  'asset_folder',
  'tags',
  'context',
  'metadata',
  'face_coordinates',
  'custom_coordinates',
  'source',
  'filename_override',
  'manifest_transformation',
  'manifest_json',
  'template',
  'template_vars',
  'regions',
  'public_id_prefix',
] as const;

export const UNSIGNED_ALLOWED = new Set<string>(UNSIGNED_ALLOWED_PARAMS);
/** Sent by some clients on an unsigned request (the file, a stray timestamp) and ignored, not refused. */
export const UNSIGNED_IGNORED = new Set<string>(['file', 'timestamp']);

export const UNSIGNED_PRESET_REQUIRED = 'Upload preset must be specified when using unsigned upload';
export const UNSIGNED_PRESET_NOT_WHITELISTED = 'Upload preset must be whitelisted for unsigned uploads';
export const UPLOAD_PRESET_NOT_FOUND = 'Upload preset not found';

/** `Transformation parameter is not allowed when using unsigned upload. Only ... are allowed.` */
export function unsignedParameterNotAllowed(name: string): string {
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  return `${label} parameter is not allowed when using unsigned upload. Only ${UNSIGNED_ALLOWED_PARAMS.join(',')} upload parameters are allowed.`;
}

/** An empty parameter (`tags=`) counts as not sent, in presets as in uploads. */
export function isBlankParam(value: string | string[]): boolean {
  return Array.isArray(value) ? value.length === 0 : value === '';
}
