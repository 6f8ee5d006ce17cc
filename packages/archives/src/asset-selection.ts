import { findAssetsByPublicIds, listAssets, MAX_LIST_RESULTS, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import { ApiError, quoteValue } from '@rendition/protocol';
import type { ArchiveRequest } from './archive-request.ts';

/**
 * The assets an archive request names: its public_ids (in each of the path's resource types), its
 * fully qualified ids, and every asset under its prefixes or with its tags, each asset once, in that
 * order. Public ids that match nothing are a 404 unless `allow_missing`; more assets than
 * `maxResources` is a 400, found without walking past the limit.
 */
export async function selectArchiveAssets(db: CatalogDb, cloudName: string, request: ArchiveRequest, maxResources: number): Promise<AssetRecord[]> {
  const selected = new Selection(maxResources);
  const missing: string[] = [];

  if (request.publicIds.length > 0) {
    const found = new Set<string>();
    for (const resourceType of request.resourceTypes) {
      const assets = await findAssetsByPublicIds(db, { cloudName, resourceType, type: request.type, publicIds: request.publicIds });
      for (const asset of assets) found.add(asset.publicId);
      selected.add(assets);
    }
    missing.push(...request.publicIds.filter((publicId) => !found.has(publicId)));
  }

  const byScope = Map.groupBy(request.fullyQualifiedPublicIds, (id) => `${id.resourceType}/${id.type}`);
  for (const ids of byScope.values()) {
    const { resourceType, type } = ids[0]!;
    const publicIds = ids.map((id) => id.publicId);
    const assets = await findAssetsByPublicIds(db, { cloudName, resourceType, type, publicIds });
    const found = new Set(assets.map((asset) => asset.publicId));
    selected.add(assets);
    missing.push(...publicIds.filter((publicId) => !found.has(publicId)).map((publicId) => `${resourceType}/${type}/${publicId}`));
  }
  if (missing.length > 0 && !request.allowMissing) throw notFound(missing);

  for (const resourceType of request.resourceTypes) {
    for (const prefix of request.prefixes) await walk(db, { cloudName, resourceType, type: request.type, prefix }, selected);
    for (const tag of request.tags) await walk(db, { cloudName, resourceType, type: request.type, tag }, selected);
  }
  if (selected.size === 0) throw new ApiError(404, 'No resources found for the archive');
  return selected.assets();
}

async function walk(db: CatalogDb, query: Omit<Parameters<typeof listAssets>[1], 'maxResults' | 'after'>, selected: Selection): Promise<void> {
  let after: Parameters<typeof listAssets>[1]['after'];
  do {
    const page = await listAssets(db, { ...query, maxResults: MAX_LIST_RESULTS, ...(after ? { after } : {}) });
    selected.add(page.assets);
    after = page.next;
  } while (after);
}

function notFound(missing: string[]): ApiError {
  const shown = missing.slice(0, 10).map((id) => quoteValue(id));
  const more = missing.length > shown.length ? ` and ${missing.length - shown.length} more` : '';
  return new ApiError(404, `Resource not found - ${shown.join(', ')}${more}`);
}

/** Distinct assets in the order found; one past the limit is the 400. */
class Selection {
  readonly #byId = new Map<string, AssetRecord>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#byId.size;
  }

  add(assets: readonly AssetRecord[]): void {
    for (const asset of assets) {
      if (this.#byId.has(asset.assetId)) continue;
      this.#byId.set(asset.assetId, asset);
      if (this.#byId.size > this.#limit) {
        throw new ApiError(400, `Too many resources: an archive holds at most ${this.#limit} resources, and more match this request`);
      }
    }
  }

  assets(): AssetRecord[] {
    return [...this.#byId.values()];
  }
}
