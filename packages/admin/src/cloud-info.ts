import { cloudCreatedAt, cloudResourceTypes, countCloudUsage, listCloudTags, type CatalogDb } from '@rendition/catalog';
import { ApiError, invalidParameter, isoSeconds, parseResourceType, readBoolean, readString, type RawParams } from '@rendition/protocol';
import { encodeNameCursor, maxResultsParameter, nameCursorParameter } from './listing-params.ts';

/**
 * The Admin API's questions about the cloud itself: `ping`, `resource_types`, `tags`, `usage` and
 * `config`. Answers carry Cloudinary's fields where they mean something here and leave out the rest
 * (plans, credits, bandwidth, request counts): docs/asset-management.md, "Folders, tags, usage and config".
 */

type Json = Record<string, unknown>;

/** In Cloudinary's order (alphabetical, as its answers list them). */
const RESOURCE_TYPE_ORDER = ['image', 'raw', 'video'] as const;

export function ping(): Json {
  return { status: 'ok' };
}

/** `GET resources`: the resource types the cloud has assets of. */
export async function listResourceTypes(db: CatalogDb, cloudName: string): Promise<Json> {
  return { resource_types: await cloudResourceTypes(db, cloudName, RESOURCE_TYPE_ORDER) };
}

/** `GET tags/<resource_type>`: the cloud's distinct tags in byte order, `prefix`, `max_results`, `next_cursor`. */
export async function listTags(db: CatalogDb, cloudName: string, resourceType: string, params: RawParams): Promise<Json> {
  const type = parseResourceType(resourceType);
  const maxResults = maxResultsParameter(params);
  const after = nameCursorParameter(params);
  const prefix = readString(params, 'prefix');
  const page = await listCloudTags(db, {
    cloudName,
    resourceType: type,
    maxResults,
    ...(prefix === undefined ? {} : { prefix }),
    ...(after === undefined ? {} : { after }),
  });
  return page.next === undefined ? { tags: page.tags } : { tags: page.tags, next_cursor: encodeNameCursor(page.next) };
}

/** The upload limits `usage` reports as its `media_limits`. */
export interface UsageLimits {
  /** MAX_UPLOAD_BYTES: one request's file. */
  maxUploadBytes: number;
  /** MAX_LARGE_UPLOAD_BYTES: a chunked upload's whole file, when the server takes them. */
  maxLargeUploadBytes?: number;
}

/**
 * `GET usage` (or `usage/<date>`, `?date=`): what the cloud holds now, counted from the catalog.
 * `objects` is every stored object (assets and derivatives), `storage.usage` the bytes of every stored
 * version (backups included) and derivative, `transformations.usage` the derivatives stored.
 * `bandwidth` and `requests` are Cloudinary's keys (the SDK's specs expect them) with `usage: 0`:
 * nothing here counts delivered bytes or requests. No history is recorded, so a past day (today
 * included) answers the current numbers, as the SDK's spec expects an answer for two days ago; a day
 * after today (UTC) is a 400.
 */
export async function usageReport(db: CatalogDb, cloudName: string, limits: UsageLimits, date?: string): Promise<Json> {
  const now = new Date();
  if (date !== undefined) checkUsageDate(date, now);
  const counts = await countCloudUsage(db, cloudName);
  const maxFileBytes = Math.max(limits.maxUploadBytes, limits.maxLargeUploadBytes ?? 0);
  return {
    plan: 'Rendition',
    last_updated: now.toISOString().slice(0, 10),
    date_requested: isoSeconds(now),
    transformations: { usage: counts.derivedResources },
    objects: { usage: counts.resources + counts.derivedResources },
    storage: { usage: counts.originalBytes + counts.derivedBytes },
    bandwidth: { usage: 0 },
    requests: { usage: 0 },
    resources: counts.resources,
    derived_resources: counts.derivedResources,
    media_limits: { image_max_size_bytes: maxFileBytes, video_max_size_bytes: maxFileBytes, raw_max_size_bytes: maxFileBytes },
  };
}

/** Cloudinary's `yyyy-mm-dd`, or the `dd-mm-yyyy` some SDKs document (the SDK's spec sends it); a day after today (UTC) is refused. */
function checkUsageDate(date: string, now: Date): void {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) ?? /^(\d{2})-(\d{2})-(\d{4})$/.exec(date);
  if (!match) throw invalidParameter('date', date, 'expected a date as yyyy-mm-dd');
  const [year, month, day] = match[1]?.length === 4 ? [match[1], match[2], match[3]] : [match[3], match[2], match[1]];
  const iso = `${year}-${month}-${day}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) {
    throw invalidParameter('date', date, 'expected a date as yyyy-mm-dd');
  }
  if (iso > now.toISOString().slice(0, 10)) throw new ApiError(400, `Usage of ${date} is not recorded yet: it is a day after today`);
}

/** `GET config`: the cloud's name and creation time; `settings=true` adds its folder mode (always dynamic here). */
export async function cloudConfig(db: CatalogDb, cloudName: string, params: RawParams): Promise<Json> {
  const createdAt = await cloudCreatedAt(db, cloudName);
  if (!createdAt) throw new ApiError(404, `Unknown cloud ${cloudName}`);
  const config: Json = { cloud_name: cloudName, created_at: isoSeconds(createdAt) };
  if (readBoolean(params, 'settings', false)) config.settings = { folder_mode: 'dynamic' };
  return config;
}
