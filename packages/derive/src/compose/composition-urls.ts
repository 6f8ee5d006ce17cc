import type { UrlBases } from '@rendition/derivations';
import { buildDeliveryUrl, type DeliveryType } from '@rendition/protocol';

/** Where a composition's file is delivered: `<base>/<cloud>/image/<type>/[<transformation>/]v<version>/<public_id>.<format>`. */
export function compositionUrls(
  bases: UrlBases,
  parts: { cloudName: string; type: DeliveryType; version: number; publicId: string; format: string; transformation?: string },
): { url: string; secure_url: string } {
  const common = { ...parts, resourceType: 'image' as const };
  return {
    url: buildDeliveryUrl({ ...common, baseUrl: bases.publicBaseUrl }),
    secure_url: buildDeliveryUrl({ ...common, baseUrl: bases.secureBaseUrl }),
  };
}
