import {
  deleteUploadPreset,
  findUploadPreset,
  insertUploadPreset,
  listUploadPresets,
  updateUploadPreset,
  type CatalogDb,
  type PresetSettings,
  type UploadPresetFlags,
  type UploadPresetRecord,
} from '@rendition/catalog';
import { resolveCloudMetadata } from '@rendition/assets';
import { resolveEagerSpecs, resolveIncomingTransformation } from '@rendition/derivations';
import type { AddressPolicy } from '@rendition/net';
import {
  ApiError,
  composePublicId,
  invalidParameter,
  isBlankParam,
  PRESET_NAME_PATTERN,
  UPLOAD_PRESET_NOT_FOUND,
  parseContext,
  parseUploadRequest,
  quoteValue,
  randomAlphanumeric,
  readBoolean,
  readList,
  readString,
  validatePublicId,
  type ParameterLimits,
  type RawParams,
} from '@rendition/protocol';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { optionValue, TRANSFORMATION_OPTION_NAMES } from './transformation-options.ts';

/** The Admin API's upload presets (reference §2.9): create, update, delete, describe and list. */

/** Preset flags, sent beside the settings as plain parameters; not upload parameters themselves. */
const FLAG_PARAMS = ['unsigned', 'disallow_public_id', 'live'] as const;

/**
 * Never stored as settings: the preset's own name and flags, the request's authentication and
 * routing fields (the SDK's Admin call also sends a `timestamp`), and the source itself.
 */
const NOT_SETTINGS = new Set<string>([
  'name',
  ...FLAG_PARAMS,
  'timestamp',
  'signature',
  'signature_algorithm',
  'api_key',
  'file',
  'upload_preset',
  'resource_type',
  'cloud_name',
]);

function checkName(name: string): string {
  if (!PRESET_NAME_PATTERN.test(name)) {
    throw invalidParameter('name', name, 'an upload preset name is 1 to 255 letters, digits, _ or -');
  }
  return name;
}

function readFlags(params: RawParams): UploadPresetFlags {
  const flags: UploadPresetFlags = {};
  if (readString(params, 'unsigned') !== undefined) flags.unsigned = readBoolean(params, 'unsigned', false);
  if (readString(params, 'disallow_public_id') !== undefined) flags.disallowPublicId = readBoolean(params, 'disallow_public_id', false);
  if (readString(params, 'live') !== undefined) flags.live = readBoolean(params, 'live', false);
  return flags;
}

function readSettings(params: RawParams): PresetSettings {
  const settings: PresetSettings = {};
  for (const [key, value] of Object.entries(params)) {
    if (NOT_SETTINGS.has(key) || isBlankParam(value)) continue;
    settings[key] = value;
  }
  return settings;
}

/** What creating or updating a preset needs: the catalog, and the policies an upload through it would meet. */
export interface PresetDependencies {
  db: CatalogDb;
  /** The API's SSRF policy: a preset's notification URLs are checked as an upload's are. */
  addressPolicy: AddressPolicy;
  /** The bounds an upload applies to tags, context, metadata values and eager lists. */
  limits: { parameters: ParameterLimits };
}

/**
 * Settings are checked as an upload would check them, so a bad preset fails now, not on every upload:
 * the parameters' types and shapes, the public_id that folder and prefix compose, the parameter
 * limits, the notification URLs against the SSRF policy, eager and incoming transformations, and the
 * metadata values against the cloud's fields (without requiring mandatory ones: the upload may give them).
 */
async function validateSettings(deps: PresetDependencies, cloudName: string, settings: PresetSettings): Promise<void> {
  const limits = deps.limits.parameters;
  const request = parseUploadRequest({ ...settings }, 'image', limits);
  if (request.publicId !== undefined) {
    validatePublicId(composePublicId({ folder: request.folder, publicIdPrefix: request.publicIdPrefix, id: request.publicId }));
  }
  checkedNotificationUrl(deps.addressPolicy, request.notificationUrl);
  checkedNotificationUrl(deps.addressPolicy, request.eagerNotificationUrl, 'eager_notification_url');
  await resolveEagerSpecs(deps.db, cloudName, request.eager, limits);
  await resolveIncomingTransformation(deps.db, cloudName, request.transformation);
  await resolveCloudMetadata(deps.db, cloudName, request.metadata, {
    mode: 'preset',
    clearInvalid: request.clearInvalid === true,
    maxValueLength: limits.metadataMaxValueLength,
  });
}

export async function createPreset(deps: PresetDependencies, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const { db } = deps;
  const requested = readString(params, 'name');
  const name = requested === undefined ? randomAlphanumeric(8) : checkName(requested);
  const flags = readFlags(params);
  const settings = readSettings(params);
  await validateSettings(deps, cloudName, settings);
  const created = await insertUploadPreset(db, {
    cloudName,
    name,
    unsigned: flags.unsigned ?? false,
    disallowPublicId: flags.disallowPublicId ?? false,
    live: flags.live ?? false,
    settings,
  });
  if (!created) throw new ApiError(409, `Upload preset ${name} already exists`);
  return { message: 'created', name };
}

export async function updatePreset(deps: PresetDependencies, cloudName: string, name: string, params: RawParams): Promise<Record<string, unknown>> {
  const { db } = deps;
  const existing = PRESET_NAME_PATTERN.test(name) ? await findUploadPreset(db, cloudName, name) : undefined;
  if (!existing) throw new ApiError(404, UPLOAD_PRESET_NOT_FOUND);
  const settings = readSettings(params);
  const flags = readFlags(params);
  await validateSettings(deps, cloudName, { ...existing.settings, ...settings });
  if (!(await updateUploadPreset(db, cloudName, name, { settings, flags }))) throw new ApiError(404, UPLOAD_PRESET_NOT_FOUND);
  return { message: 'updated' };
}

export async function removePreset(db: CatalogDb, cloudName: string, name: string): Promise<Record<string, unknown>> {
  const deleted = PRESET_NAME_PATTERN.test(name) && (await deleteUploadPreset(db, cloudName, name));
  if (!deleted) throw new ApiError(404, UPLOAD_PRESET_NOT_FOUND);
  return { message: 'deleted' };
}

export async function describePreset(db: CatalogDb, cloudName: string, name: string): Promise<Record<string, unknown>> {
  const preset = PRESET_NAME_PATTERN.test(name) ? await findUploadPreset(db, cloudName, name) : undefined;
  if (!preset) throw new ApiError(404, UPLOAD_PRESET_NOT_FOUND);
  return presetView(preset);
}

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 500;

export async function listPresets(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const maxText = readString(params, 'max_results');
  const limit = maxText === undefined ? DEFAULT_PAGE_SIZE : Number(maxText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidParameter('max_results', maxText ?? '', `expected an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const cursor = readString(params, 'next_cursor');
  let afterName: string | undefined;
  if (cursor !== undefined) {
    afterName = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!PRESET_NAME_PATTERN.test(afterName)) throw new ApiError(400, `Invalid next_cursor ${quoteValue(cursor)}`);
  }
  const page = await listUploadPresets(db, cloudName, { ...(afterName !== undefined ? { afterName } : {}), limit: limit + 1 });
  const presets = page.slice(0, limit).map(presetView);
  const last = page.length > limit ? page[limit - 1] : undefined;
  return { presets, ...(last ? { next_cursor: Buffer.from(last.name, 'utf8').toString('base64url') } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The Admin API's view of a preset: typed settings, as the SDKs' own tests expect them.

const BOOLEAN_SETTINGS = new Set([
  'use_filename',
  'unique_filename',
  'use_filename_as_display_name',
  'use_asset_folder_as_public_id_prefix',
  'unique_display_name',
  'discard_original_filename',
  'overwrite',
  'invalidate',
  'backup',
  'async',
  'eager_async',
  'return_delete_token',
  'colors',
  'faces',
  'image_metadata',
  'media_metadata',
  'exif',
  'phash',
  'quality_analysis',
  'accessibility_analysis',
  'cinemagraph_analysis',
  'visual_search',
  'return_image_metadata',
]);

/** `c_scale,w_100/e_grayscale` → `[{crop:"scale",width:100},{effect:"grayscale"}]`; undefined when a key is not mapped. */
function transformationObjects(text: string): Array<Record<string, string | number>> | undefined {
  const steps: Array<Record<string, string | number>> = [];
  for (const component of text.split('/')) {
    const step: Record<string, string | number> = {};
    for (const part of component.split(',')) {
      const separator = part.indexOf('_');
      if (separator <= 0) return undefined;
      const key = TRANSFORMATION_OPTION_NAMES[part.slice(0, separator)];
      if (key === undefined) return undefined;
      step[key] = optionValue(part.slice(separator + 1));
    }
    steps.push(step);
  }
  return steps;
}

/** Each eager entry as an object (one step) or `{transformation:[...]}` (chained), with its `format`. */
function eagerObjects(text: string): Array<Record<string, unknown>> | undefined {
  const out: Array<Record<string, unknown>> = [];
  for (const entry of text.split('|')) {
    const components = entry.split('/');
    const last = components[components.length - 1] ?? '';
    const format = components.length > 1 && /^[a-z0-9]+$/i.test(last) ? last : undefined;
    const steps = transformationObjects((format ? components.slice(0, -1) : components).join('/'));
    if (!steps) return undefined;
    const item: Record<string, unknown> = steps.length === 1 ? { ...steps[0] } : { transformation: steps };
    if (format) item.format = format;
    out.push(item);
  }
  return out;
}

function settingView(key: string, value: string | string[]): unknown {
  const text = Array.isArray(value) ? value.join(',') : value;
  const params: RawParams = { [key]: value };
  if (BOOLEAN_SETTINGS.has(key)) {
    try {
      return readBoolean(params, key, false);
    } catch {
      return text;
    }
  }
  switch (key) {
    case 'tags':
    case 'allowed_formats':
      return readList(params, key);
    case 'context':
    case 'metadata':
      return { ...parseContext(text) };
    case 'transformation':
      return transformationObjects(text) ?? text;
    case 'eager':
      return eagerObjects(text) ?? text;
    default:
      return value;
  }
}

function presetView(preset: UploadPresetRecord): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of Object.keys(preset.settings).sort()) {
    const value = preset.settings[key];
    if (value !== undefined) settings[key] = settingView(key, value);
  }
  if (preset.disallowPublicId) settings.disallow_public_id = true;
  if (preset.live) settings.live = true;
  return { name: preset.name, unsigned: preset.unsigned, settings };
}
