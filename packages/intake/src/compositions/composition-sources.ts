import { createHash } from 'node:crypto';
import { findAsset, listAssets, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import { ApiError, parseDeliveryPath, quoteValue, readList, readString, splitDeliveryFormat, type RawParams } from '@rendition/protocol';

/**
 * Most images one composition takes: Cloudinary's limits (multi and sprites: 100 when synchronous, 500
 * asynchronously); images beyond them are left out, as Cloudinary leaves them out.
 */
export const MAX_SYNC_COMPOSITION_IMAGES = 100;
export const MAX_ASYNC_COMPOSITION_IMAGES = 500;

/** Where the images come from: the images with a tag, or a list of this cloud's delivery URLs. */
export type CompositionSelection = { kind: 'tag'; tag: string } | { kind: 'urls'; urls: string[] };

export function readCompositionSelection(params: RawParams): CompositionSelection {
  const urls = readList(params, 'urls');
  if (urls.length > 0) return { kind: 'urls', urls };
  const tag = readString(params, 'tag');
  if (tag === undefined) throw new ApiError(400, 'Missing required parameter - tag');
  return { kind: 'tag', tag };
}

/** The public_id of a composition of URLs: made from them, so the same list makes the same asset again ([GUESS]: Cloudinary's is not documented). */
export function publicIdOfUrls(urls: readonly string[]): string {
  return createHash('sha1').update(urls.join('\n')).digest('hex').slice(0, 20);
}

/**
 * The images of a selection, in Cloudinary's order: a tag's images (of type upload) by public_id, a URL
 * list as listed. An unknown tag, like a tag whose images are all gone, is a 404.
 */
export async function selectCompositionImages(
  deps: { db: CatalogDb; publicBaseUrl: string; secureBaseUrl: string },
  cloudName: string,
  selection: CompositionSelection,
  max: number,
): Promise<AssetRecord[]> {
  if (selection.kind === 'urls') {
    if (selection.urls.length > max) throw new ApiError(400, `Too many urls: at most ${max} images are composed by one call`);
    return Promise.all(selection.urls.map((url) => imageOfUrl(deps, cloudName, url)));
  }
  const page = await listAssets(deps.db, { cloudName, resourceType: 'image', type: 'upload', tag: selection.tag, maxResults: max, direction: 'asc' });
  if (page.assets.length === 0) throw new ApiError(404, `No images found with tag ${quoteValue(selection.tag)}`);
  return page.assets;
}

/**
 * The stored image a URL of this deployment delivers untransformed (`…/<cloud>/image/<type>/[v<version>/]<public_id>.<ext>`).
 * Images elsewhere would have to be fetched first: not supported ([GUESS] Cloudinary fetches them).
 */
async function imageOfUrl(deps: { db: CatalogDb; publicBaseUrl: string; secureBaseUrl: string }, cloudName: string, url: string): Promise<AssetRecord> {
  const base = [deps.publicBaseUrl, deps.secureBaseUrl].map((text) => text.replace(/\/+$/, '')).find((text) => url.startsWith(`${text}/`));
  if (base === undefined) throw new ApiError(400, `Unsupported URL ${quoteValue(url)}: only this service's delivery URLs can be composed`);
  const path = parseDeliveryPath(url.slice(base.length).split(/[?#]/)[0] ?? '');
  if (path.cloudName !== cloudName || path.resourceType !== 'image') throw new ApiError(404, `Resource not found - ${quoteValue(url)}`);
  if (path.transformation !== undefined) throw new ApiError(400, `Unsupported URL ${quoteValue(url)}: a transformed image cannot be composed`);
  const identity = { cloudName, resourceType: 'image', type: path.type };
  const split = splitDeliveryFormat(path.publicIdWithExt, 'image');
  const asset =
    (split.format !== undefined ? await findAsset(deps.db, { ...identity, publicId: split.publicId }) : undefined) ??
    (await findAsset(deps.db, { ...identity, publicId: path.publicIdWithExt }));
  if (!asset) throw new ApiError(404, `Resource not found - ${quoteValue(url)}`);
  return asset;
}
