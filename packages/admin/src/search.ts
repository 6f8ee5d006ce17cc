import {
  isAssetSortField,
  isFolderSortField,
  isValidAssetPageKey,
  isValidFolderPageKey,
  searchAssets,
  searchFolders as queryFolders,
  type AssetRecord,
  type SearchSortKey,
} from '@rendition/catalog';
import { FOLDER_SEARCH_FIELDS, isoSeconds, parseSearchExpression } from '@rendition/protocol';
import { resourceBaseItem, type AdminCaller, type AdminReadDependencies } from './resource-items.ts';
import { decodeSearchCursor, encodeSearchCursor, readSearchRequest, searchBody, type SearchRequest } from './search-request.ts';

/**
 * The Search API: `POST resources/search` (cloudinary.v2.search) and `POST folders/search`
 * (cloudinary.v2.search_folders). The expression is parsed here (protocol), the query runs in the
 * catalog, and the answer is Cloudinary's `{total_count, time, aggregations?, resources, next_cursor?}`
 * with resource items in the Admin API's shape. docs/search.md has the language and the differences.
 */

type Json = Record<string, unknown>;

const ASSET_WITH_FIELDS = new Set(['tags', 'context', 'metadata', 'image_metadata', 'image_analysis']);
/** Cloudinary returns these whatever `fields` names. */
const ALWAYS_RETURNED = ['public_id', 'asset_id', 'created_at', 'status', 'type', 'resource_type', 'folder'];
const DEFAULT_ASSET_SORT: SearchSortKey[] = [{ field: 'created_at', direction: 'desc' }];
const DEFAULT_FOLDER_SORT: SearchSortKey[] = [{ field: 'path', direction: 'asc' }];

/** `resources/search`: `body` is the JSON body (or the query string's parameters). */
export async function searchResources(deps: AdminReadDependencies, caller: AdminCaller, body: unknown, now = new Date()): Promise<Json> {
  const started = performance.now();
  const request = readSearchRequest(searchBody(body), { sortFields: isAssetSortField, withFields: ASSET_WITH_FIELDS });
  const expression = request.expression === undefined ? undefined : parseSearchExpression(request.expression);
  const sort = request.sort.length > 0 ? request.sort : DEFAULT_ASSET_SORT;
  const after = request.nextCursor === undefined ? undefined : decodeSearchCursor(request.nextCursor, sort, (key) => isValidAssetPageKey(sort, key));
  const result = await searchAssets(deps.db, {
    cloudName: caller.cloudName,
    ...(expression ? { expression } : {}),
    now,
    sort,
    maxResults: request.maxResults,
    ...(after ? { after } : {}),
    aggregates: request.aggregates,
  });
  const item = searchItem(deps, caller, request);
  const response: Json = { total_count: result.totalCount, time: elapsed(started) };
  if (result.aggregations) response.aggregations = result.aggregations;
  response.resources = result.assets.map(item);
  if (result.next) response.next_cursor = encodeSearchCursor(sort, result.next);
  return response;
}

/** `folders/search`: the same parameters over folders (`name`, `path`, `created_at`). */
export async function searchFolders(deps: AdminReadDependencies, caller: AdminCaller, body: unknown, now = new Date()): Promise<Json> {
  const started = performance.now();
  const request = readSearchRequest(searchBody(body), { sortFields: isFolderSortField, withFields: new Set() });
  const expression = request.expression === undefined ? undefined : parseSearchExpression(request.expression, FOLDER_SEARCH_FIELDS);
  const sort = request.sort.length > 0 ? request.sort : DEFAULT_FOLDER_SORT;
  const after = request.nextCursor === undefined ? undefined : decodeSearchCursor(request.nextCursor, sort, (key) => isValidFolderPageKey(sort, key));
  const result = await queryFolders(deps.db, {
    cloudName: caller.cloudName,
    ...(expression ? { expression } : {}),
    now,
    sort,
    maxResults: request.maxResults,
    ...(after ? { after } : {}),
  });
  const response: Json = {
    total_count: result.totalCount,
    time: elapsed(started),
    folders: result.folders.map((folder) => ({
      name: folder.name,
      path: folder.path,
      created_at: isoSeconds(folder.createdAt),
      external_id: folder.externalId,
    })),
  };
  if (result.next) response.next_cursor = encodeSearchCursor(sort, result.next);
  return response;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/**
 * A search result: the listing item's fields, then what Cloudinary's search adds (filename,
 * uploaded_at, aspect_ratio, pixels, duration, status, access_mode, etag), then the `with_field`
 * extras. `fields` keeps only what it names, besides the ones Cloudinary always returns.
 */
function searchItem(deps: AdminReadDependencies, caller: AdminCaller, request: SearchRequest): (asset: AssetRecord) => Json {
  const wanted = new Set(request.fields.length > 0 ? request.fields : request.withFields);
  const keep = request.fields.length > 0 ? new Set([...ALWAYS_RETURNED, ...request.fields]) : undefined;
  return (asset) => {
    const item = resourceBaseItem(deps, caller, asset);
    item.filename = asset.publicId.slice(asset.publicId.lastIndexOf('/') + 1);
    item.uploaded_at = item.created_at;
    if (asset.width !== null && asset.height !== null && asset.height > 0) {
      item.aspect_ratio = Math.round((asset.width / asset.height) * 100_000) / 100_000;
      item.pixels = asset.width * asset.height;
    }
    const duration = asset.media?.duration;
    if (typeof duration === 'number') item.duration = duration;
    item.status = 'active';
    item.access_mode = asset.accessMode;
    item.etag = asset.etag;
    if (wanted.has('tags')) item.tags = [...asset.tags];
    // Search answers context as the flat map it stores (the listings nest it under `custom`).
    if (wanted.has('context') && Object.keys(asset.context).length > 0) item.context = { ...asset.context };
    if (wanted.has('metadata') && Object.keys(asset.metadata).length > 0) item.metadata = { ...asset.metadata };
    // As the ingest kept it (migration 0027); {} for an image ingested before it.
    if (wanted.has('image_metadata') && asset.resourceType === 'image') item.image_metadata = asset.imageMetadata ?? {};
    return keep ? Object.fromEntries(Object.entries(item).filter(([key]) => keep.has(key))) : item;
  };
}
