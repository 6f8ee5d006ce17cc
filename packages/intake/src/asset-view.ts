import type { AssetRecord } from '@rendition/catalog';
import { parseDeliveryType, parseResourceType, type AssetView } from '@rendition/protocol';

/** The catalog stores plain strings; the wire format wants them as the protocol's types. */
export function toAssetView(asset: AssetRecord): AssetView {
  return { ...asset, resourceType: parseResourceType(asset.resourceType), type: parseDeliveryType(asset.type) };
}
