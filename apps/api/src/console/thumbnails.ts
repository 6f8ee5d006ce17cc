import { buildDeliveryUrl, deliveryStringToSign, urlSignature } from '@rendition/protocol';
import type { ReviewItem } from './review-items.ts';

/** Where the console serves its thumbnails: a delivery path follows (moderation-routes.ts). */
export const PREVIEW_PREFIX = '/console/preview';

/** The step every thumbnail is made with: one derivative per asset, cached like any other. */
export const THUMBNAIL_TRANSFORMATION = 'c_fill,w_200,h_200';

/** Formats every browser shows in an <img>; anything else (tiff, psd, heic, pdf…) is shown as JPEG. */
const BROWSER_FORMATS = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif']);

/**
 * A thumbnail through our own delivery path, served under the console's prefix (its session, and
 * rejected assets shown) and relative to this server so that the page's `img-src 'self'` allows it
 * whatever the public base URL is. A video's `.jpg` is a frame of it. The path is signed whatever the
 * delivery type (as assetUrls signs only `authenticated` ones): a cloud with strict transformations
 * creates derivatives only for signed URLs.
 */
export function thumbnailUrl(
  item: Pick<ReviewItem, 'publicId' | 'resourceType' | 'type' | 'version' | 'format'>,
  caller: { cloudName: string; apiSecret: string },
): string {
  const sourceFormat = (item.format ?? '').toLowerCase();
  const format = item.resourceType === 'image' && BROWSER_FORMATS.has(sourceFormat) ? sourceFormat : 'jpg';
  const parts = { resourceType: item.resourceType, publicId: item.publicId, format, transformation: THUMBNAIL_TRANSFORMATION };
  const path = buildDeliveryUrl({
    ...parts,
    baseUrl: '',
    cloudName: caller.cloudName,
    type: item.type,
    version: item.version,
    signature: urlSignature(deliveryStringToSign(parts), caller.apiSecret),
  });
  // An empty base leaves the path without its leading slash.
  return `${PREVIEW_PREFIX}${path.startsWith('/') ? path : `/${path}`}`;
}
