import { findAsset, findAssetByDisplayName, updateAssetMetadata } from '@rendition/catalog';
import { applyExplicit, type ExplicitDependencies } from '@rendition/intake';
import {
  ANALYSIS_PARAMETERS,
  ANALYSIS_RESPONSE_FIELDS,
  ApiError,
  checkAddOnParams,
  COORDINATE_PARAMETERS,
  parseAccessControl,
  parseDeliveryType,
  parseQualityOverride,
  parseResourceType,
  readBoolean,
  readDecisionStatus,
  readString,
  type RawParams,
} from '@rendition/protocol';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { applyModerationDecision, type AdminModerationDependencies } from './moderation.ts';
import { describeResource, type AdminCaller } from './resource-reads.ts';

type Json = Record<string, unknown>;

export type AdminUpdateDependencies = AdminModerationDependencies & ExplicitDependencies;

/**
 * What `update` hands to explicit's code, which already applies them to a stored asset exactly as
 * `explicit` does (tags and context replaced, metadata merged, raw_convert and analyses as jobs of a
 * batch the call waits for): one implementation of each, not two.
 */
const EXPLICIT_PARAMETERS = [
  'tags',
  'context',
  'metadata',
  'clear_invalid',
  'raw_convert',
  ...COORDINATE_PARAMETERS,
  ...Object.values(ANALYSIS_PARAMETERS).flat(),
];

const MAX_DISPLAY_NAME_LENGTH = 255;
const MAX_ASSET_FOLDER_LENGTH = 1024;

/**
 * `cloudinary.v2.api.update(public_id, options)` (`POST resources/:resource_type/:type/:public_id`):
 * tags, context, metadata (+ clear_invalid), display_name, unique_display_name, asset_folder,
 * access_control, quality_override, raw_convert and the analyses, face_coordinates and custom_coordinates,
 * moderation_status (+ notification_url).
 * Every parameter is checked before anything changes; the answer is the resource JSON.
 */
export async function updateResource(
  deps: AdminUpdateDependencies,
  caller: AdminCaller & { apiKey: string },
  path: { resourceType: string; type: string; publicId: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = parseDeliveryType(path.type);
  const statusText = readString(params, 'moderation_status');
  const status = statusText === undefined ? undefined : readDecisionStatus(statusText);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));
  const displayName = boundedText(params, 'display_name', MAX_DISPLAY_NAME_LENGTH);
  const assetFolder = boundedText(params, 'asset_folder', MAX_ASSET_FOLDER_LENGTH, true);
  const uniqueDisplayName = readBoolean(params, 'unique_display_name', false);
  const accessControlText = readString(params, 'access_control');
  const accessControl = accessControlText === undefined ? undefined : parseAccessControl(accessControlText);
  const qualityText = readString(params, 'quality_override');
  const qualityOverride = qualityText === undefined ? undefined : parseQualityOverride(qualityText);
  // detection, background_removal, categorization: checked, then ignored (no add-on engine runs here).
  checkAddOnParams(params);

  const identity = { cloudName: caller.cloudName, resourceType, type, publicId: path.publicId };
  const asset = await findAsset(deps.db, identity);
  if (!asset) throw new ApiError(404, `Resource not found - ${path.publicId}`);
  if (uniqueDisplayName && displayName !== undefined && displayName !== asset.displayName) {
    const holder = await findAssetByDisplayName(deps.db, { cloudName: caller.cloudName, displayName });
    if (holder && holder.assetId !== asset.assetId) throw new ApiError(400, `Display name ${displayName} is already in use`);
  }

  const explicitParams = Object.fromEntries(Object.entries(params).filter(([name]) => EXPLICIT_PARAMETERS.includes(name)));
  let explicitResult: Json = {};
  if (Object.keys(explicitParams).length > 0) {
    explicitResult = await applyExplicit(deps, {
      cloudName: caller.cloudName,
      credentials: { cloudName: caller.cloudName, apiKey: caller.apiKey, apiSecret: caller.apiSecret },
      resourceType,
      params: { ...explicitParams, public_id: path.publicId, type },
    });
  }
  if (displayName !== undefined || assetFolder !== undefined || accessControl !== undefined || qualityOverride !== undefined) {
    await updateAssetMetadata(deps.db, asset.assetId, {
      ...(displayName !== undefined ? { displayName } : {}),
      ...(assetFolder !== undefined ? { assetFolder } : {}),
      ...(accessControl !== undefined ? { accessControl: accessControl.length > 0 ? accessControl : null } : {}),
      ...(qualityOverride !== undefined ? { qualityOverride } : {}),
    });
  }
  if (status !== undefined) await applyModerationDecision(deps, caller, asset, status, notificationUrl);

  const response = await describeResource(deps, caller, { resourceType, type, publicId: path.publicId }, {});
  // The analyses are answered by the call that asked for them (they are not stored with the asset).
  for (const field of ANALYSIS_RESPONSE_FIELDS) if (explicitResult[field] !== undefined) response[field] = explicitResult[field];
  const updated = await findAsset(deps.db, identity);
  if (updated?.accessControl) response.access_control = updated.accessControl;
  if (updated?.qualityOverride) response.quality_override = updated.qualityOverride;
  return response;
}

/** A text parameter within its length; `emptyAllowed`: '' is a value (the root asset folder). */
function boundedText(params: RawParams, name: string, maxLength: number, emptyAllowed = false): string | undefined {
  const text = readString(params, name);
  if (text === undefined) return undefined;
  const value = text.trim();
  if ((value === '' && !emptyAllowed) || value.length > maxLength || [...value].some((character) => character.charCodeAt(0) < 0x20)) {
    throw new ApiError(400, `Invalid ${name} ${JSON.stringify(text.slice(0, 100))}: expected 1 to ${maxLength} printable characters`);
  }
  return value;
}
