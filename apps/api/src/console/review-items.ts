import { isDeliveryType, isResourceType, type DeliveryType, type ResourceType } from '@rendition/protocol';

/** What the review page shows of one listing item, read defensively from the Admin API's JSON. */
export interface ReviewItem {
  publicId: string;
  resourceType: ResourceType;
  type: DeliveryType;
  version: number;
  format: string | null;
  kind: string;
  status: string;
}

/** The listing's `resources`; an item missing what a thumbnail needs is left out rather than drawn broken. */
export function reviewItems(listing: Record<string, unknown>): ReviewItem[] {
  const resources = Array.isArray(listing.resources) ? (listing.resources as unknown[]) : [];
  return resources.flatMap((resource): ReviewItem[] => {
    if (resource === null || typeof resource !== 'object') return [];
    const item = resource as Record<string, unknown>;
    const { public_id: publicId, resource_type: resourceType, type, version } = item;
    if (typeof publicId !== 'string' || typeof resourceType !== 'string' || typeof type !== 'string' || typeof version !== 'number') return [];
    if (!isResourceType(resourceType) || !isDeliveryType(type)) return [];
    return [
      {
        publicId,
        resourceType,
        type,
        version,
        format: typeof item.format === 'string' ? item.format : null,
        kind: typeof item.moderation_kind === 'string' ? item.moderation_kind : '',
        status: typeof item.moderation_status === 'string' ? item.moderation_status : '',
      },
    ];
  });
}

export function nextCursor(listing: Record<string, unknown>): string | undefined {
  return typeof listing.next_cursor === 'string' && listing.next_cursor !== '' ? listing.next_cursor : undefined;
}
