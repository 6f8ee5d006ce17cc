import { ApiError } from './api-error.ts';
import { longerThan } from './context.ts';
import { quoteValue, readList } from './request-params.ts';
import type { RawParams } from './request-params.ts';
import type { ParameterLimits } from './upload-request.ts';

/** Cloudinary's documented tag limits: a tag is up to 255 characters, an asset has up to 1000 tags. */
export const MAX_TAG_LENGTH = 255;
/** Bounds one request's tag list so one field cannot fan out into unbounded catalog rows. */
export const MAX_TAGS = 1000;

/** The bounds of tags (see ParameterLimits); Cloudinary's by default. */
export type TagLimits = Pick<ParameterLimits, 'tagMaxLength' | 'tagsMaxPerAsset'>;
const CLOUDINARY_TAG_LIMITS: TagLimits = { tagMaxLength: MAX_TAG_LENGTH, tagsMaxPerAsset: MAX_TAGS };

/** Refuses (400, naming the limit) a tag that is too long, or more tags than one asset may have. */
export function checkTagLimits(tags: readonly string[], limits: TagLimits): void {
  for (const tag of tags) {
    if (longerThan(tag, limits.tagMaxLength)) {
      throw new ApiError(400, `Invalid tag ${quoteValue(tag)}: longer than ${limits.tagMaxLength} characters`);
    }
  }
  if (tags.length > limits.tagsMaxPerAsset) {
    throw new ApiError(400, `Too many tags: at most ${limits.tagsMaxPerAsset} are allowed, got ${tags.length}`);
  }
}

/**
 * Tags from `tags` (or `tag` on the tags endpoint): a comma list or a `tags[]` list, trimmed,
 * de-duplicated in first-seen order, and bounded by `limits`.
 */
export function parseTags(params: RawParams, name = 'tags', limits: TagLimits = CLOUDINARY_TAG_LIMITS): string[] {
  const tags = [...new Set(readList(params, name))];
  checkTagLimits(tags, limits);
  return tags;
}
