import { ApiError } from './api-error.ts';
import { quoteValue, readList } from './request-params.ts';
import type { RawParams } from './request-params.ts';

export const MAX_TAG_LENGTH = 255;
/** Bounds one request's tag list so one field cannot fan out into unbounded catalog rows. */
export const MAX_TAGS = 1000;

/**
 * Tags from `tags` (or `tag` on the tags endpoint): a comma list or a `tags[]` list, trimmed,
 * de-duplicated in first-seen order.
 */
export function parseTags(params: RawParams, name = 'tags'): string[] {
  const tags = [...new Set(readList(params, name))];
  for (const tag of tags) {
    if ([...tag].length > MAX_TAG_LENGTH) {
      throw new ApiError(400, `Invalid tag ${quoteValue(tag)}: longer than ${MAX_TAG_LENGTH} characters`);
    }
  }
  if (tags.length > MAX_TAGS) throw new ApiError(400, `Too many tags: at most ${MAX_TAGS} are allowed`);
  return tags;
}
