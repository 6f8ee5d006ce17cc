/** What the review page lists: one moderation kind in one status, for one resource type. */
export interface ModerationFilters {
  resourceType: ResourceTypeFilter;
  kind: ModerationKind;
  status: ModerationStatus;
  /** The listing's `next_cursor` the page starts at; absent on the first page. */
  cursor?: string;
}

export const RESOURCE_TYPES = ['image', 'video'] as const;
export const MODERATION_KINDS = ['manual', 'aws_rek', 'duplicate', 'google_video_moderation', 'aws_rek_video', 'rendition_nsfw'] as const;
export const MODERATION_STATUSES = ['pending', 'approved', 'rejected', 'queued', 'aborted'] as const;
/** What a reviewer may decide (a decision back to pending is the Admin API's, not the console's). */
export const DECISIONS = ['approved', 'rejected'] as const;

export type ResourceTypeFilter = (typeof RESOURCE_TYPES)[number];
export type ModerationKind = (typeof MODERATION_KINDS)[number];
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];
export type Decision = (typeof DECISIONS)[number];

/** Thumbnails per page: a 6×4 grid. */
export const PAGE_SIZE = 24;
/** Cursors this API returns are short; a longer one is not one of them. */
const MAX_CURSOR_LENGTH = 2048;

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** The filters of a page's query string; an unknown value falls back to the default, which the form then shows. */
export function parseFilters(query: Record<string, unknown>): ModerationFilters {
  const text = (name: string) => {
    const value = query[name];
    return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
  };
  const pick = <T extends string>(values: readonly T[], name: string, fallback: T): T => {
    const value = text(name);
    return isOneOf(values, value) ? value : fallback;
  };
  const cursor = text('next_cursor');
  return {
    resourceType: pick(RESOURCE_TYPES, 'resource_type', 'image'),
    kind: pick(MODERATION_KINDS, 'kind', 'manual'),
    status: pick(MODERATION_STATUSES, 'status', 'pending'),
    ...(cursor && cursor.length <= MAX_CURSOR_LENGTH ? { cursor } : {}),
  };
}

/** The page URL of these filters (the cursor included when given). */
export function moderationPageUrl(filters: ModerationFilters): string {
  const query = new URLSearchParams({ resource_type: filters.resourceType, kind: filters.kind, status: filters.status });
  if (filters.cursor !== undefined) query.set('next_cursor', filters.cursor);
  return `/console/moderation?${query.toString()}`;
}
