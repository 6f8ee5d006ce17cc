import { updateTags, type TagCommand } from '@rendition/catalog';
import { ApiError, invalidParameter, missingParameter, parseDeliveryType, parseTags, readList, readString, MAX_TAGS, type RawParams } from '@rendition/protocol';
import type { ManagementDependencies, ManagementRequest } from './management-dependencies.ts';

/** Cloudinary's limit on the public_ids of one tags/context call. */
export const MAX_PUBLIC_IDS = 1000;
const TAG_COMMANDS: readonly TagCommand[] = ['add', 'remove', 'replace', 'remove_all', 'set_exclusive'];

/** The `public_ids[]` of a tags/context call: required, at most 1000. */
export function readPublicIds(params: RawParams): string[] {
  const publicIds = [...new Set(readList(params, 'public_ids'))];
  if (publicIds.length === 0) throw new ApiError(400, missingParameter('public_ids'));
  if (publicIds.length > MAX_PUBLIC_IDS) throw new ApiError(400, `Too many public_ids: at most ${MAX_PUBLIC_IDS} are allowed, got ${publicIds.length}`);
  return publicIds;
}

/**
 * `tags` with `command`: add, remove, replace (the given tags become the only ones), remove_all, and
 * set_exclusive (add to these assets, take off every other asset of the cloud and resource type).
 * Answers `{"public_ids": [...]}` with the ids that exist, in request order.
 */
export async function tagAssetsCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<{ public_ids: string[] }> {
  const { params } = request;
  const commandText = readString(params, 'command');
  if (!commandText) throw new ApiError(400, missingParameter('command'));
  const command = TAG_COMMANDS.find((known) => known === commandText);
  if (!command) throw invalidParameter('command', commandText, `expected ${TAG_COMMANDS.join(', ')}`);
  const tags = command === 'remove_all' ? [] : parseTags(params, 'tag');
  if (command !== 'remove_all' && tags.length === 0) throw new ApiError(400, missingParameter('tag'));
  const publicIds = readPublicIds(params);
  const type = parseDeliveryType(readString(params, 'type') ?? 'upload');

  const outcome = await updateTags(deps.db, {
    scope: { cloudName: request.cloudName, resourceType: request.resourceType, type },
    publicIds,
    command,
    tags,
    maxTagsPerAsset: MAX_TAGS,
  });
  if (outcome.kind === 'too-many-tags') {
    throw new ApiError(400, `Too many tags on ${outcome.publicId}: an asset may have at most ${outcome.limit}`);
  }
  return { public_ids: outcome.publicIds };
}
