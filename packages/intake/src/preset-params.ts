import { findUploadPreset, type CatalogDb, type UploadPresetRecord } from '@rendition/catalog';
import {
  ApiError,
  isBlankParam,
  PRESET_NAME_PATTERN,
  readString,
  UNSIGNED_ALLOWED,
  UNSIGNED_IGNORED,
  UNSIGNED_PRESET_NOT_WHITELISTED,
  UNSIGNED_PRESET_REQUIRED,
  unsignedParameterNotAllowed,
  UPLOAD_PRESET_NOT_FOUND,
  type RawParams,
} from '@rendition/protocol';

/** The merge an upload with `upload_preset=<name>` goes through before its parameters are typed (reference §2.9). */

export interface EffectiveUpload {
  params: RawParams;
  /** The preset applied, when the request named one. */
  preset?: UploadPresetRecord;
}

/**
 * The parameters an upload runs with. A signed (or Basic-authenticated) request may name a preset:
 * its settings come first and the request's own values override them. An unsigned request must name
 * an unsigned preset and may send only the allow-listed parameters, which override the preset's;
 * it never overwrites an existing asset. `disallow_public_id` drops the request's public_id.
 */
export async function effectiveUploadParams(
  db: CatalogDb,
  cloudName: string,
  params: RawParams,
  mode: 'signed' | 'unsigned',
): Promise<EffectiveUpload> {
  const name = readString(params, 'upload_preset');
  if (name === undefined) {
    if (mode === 'unsigned') throw new ApiError(400, UNSIGNED_PRESET_REQUIRED);
    return { params };
  }
  const preset = PRESET_NAME_PATTERN.test(name) ? await findUploadPreset(db, cloudName, name) : undefined;
  if (!preset) throw new ApiError(400, UPLOAD_PRESET_NOT_FOUND);
  if (mode === 'unsigned') {
    if (!preset.unsigned) throw new ApiError(400, UNSIGNED_PRESET_NOT_WHITELISTED);
    for (const [key, value] of Object.entries(params)) {
      if (UNSIGNED_IGNORED.has(key) || UNSIGNED_ALLOWED.has(key) || isBlankParam(value)) continue;
      throw new ApiError(400, unsignedParameterNotAllowed(key));
    }
  }

  const merged = Object.create(null) as RawParams;
  for (const [key, value] of Object.entries(preset.settings)) merged[key] = value;
  for (const [key, value] of Object.entries(params)) {
    if (isBlankParam(value)) continue;
    if (mode === 'unsigned' && !UNSIGNED_ALLOWED.has(key) && key !== 'file') continue;
    if (key === 'public_id' && preset.disallowPublicId) continue;
    merged[key] = value;
  }
  // Cloudinary: overwrite defaults to false for unsigned uploads, and an anonymous client cannot change that.
  if (mode === 'unsigned') merged.overwrite = 'false';
  return { params: merged, preset };
}
