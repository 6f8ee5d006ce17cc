import { updateTags, type TagCommand } from '@rendition/catalog';
import { ApiError, missingParameter, parseTags } from '@rendition/protocol';
import { readCommand, readScopedPublicIds } from './bulk-params.ts';
import type { ManagementDependencies, ManagementRequest } from './management-dependencies.ts';

const TAG_COMMANDS: readonly TagCommand[] = ['add', 'remove', 'replace', 'remove_all', 'set_exclusive'];

/**
 * `tags` with `command`: add, remove, replace (the given tags become the only ones), remove_all, and
 * set_exclusive (add to these assets, take off every other asset of the cloud and resource type).
 * Answers `{"public_ids": [...]}` with the ids that exist, in request order. Tags are bounded by
 * TAG_MAX_LENGTH, and an asset may end with at most TAGS_MAX_PER_ASSET (checked in the update itself).
 */
export async function tagAssetsCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<{ public_ids: string[] }> {
  const { params } = request;
  const limits = deps.limits.parameters;
  const command = readCommand(params, TAG_COMMANDS, ', ');
  const tags = command === 'remove_all' ? [] : parseTags(params, 'tag', limits);
  if (command !== 'remove_all' && tags.length === 0) throw new ApiError(400, missingParameter('tag'));
  const { scope, publicIds } = readScopedPublicIds(request);

  const outcome = await updateTags(deps.db, {
    scope,
    publicIds,
    command,
    tags,
    maxTagsPerAsset: limits.tagsMaxPerAsset,
  });
  if (outcome.kind === 'too-many-tags') {
    throw new ApiError(400, `Too many tags on ${outcome.publicId}: an asset may have at most ${outcome.limit}`);
  }
  return { public_ids: outcome.publicIds };
}
