import { findAssetsByPublicIds, updateContext, type ContextCommand } from '@rendition/catalog';
import { ApiError, contextBytes, contextTooLarge, invalidParameter, missingParameter, parseContext, readString } from '@rendition/protocol';
import { readCommand, readScopedPublicIds } from './bulk-params.ts';
import type { ManagementDependencies, ManagementRequest } from './management-dependencies.ts';

const CONTEXT_COMMANDS: readonly ContextCommand[] = ['add', 'remove_all'];

/**
 * `context` with `command`: `add` merges `k=v|k2=v2` (with `\=` and `\|` escapes) into each asset's
 * context, a key given again taking the new value; `remove_all` empties it, after which the asset's
 * resource JSON has no `context` key. Answers `{"public_ids": [...]}` with the ids that exist.
 * The given context is bounded like an upload's (CONTEXT_MAX_*); an `add` that would leave an asset
 * with more than CONTEXT_MAX_BYTES is refused and changes nothing.
 */
export async function contextAssetsCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<{ public_ids: string[] }> {
  const { params } = request;
  const limits = deps.limits.parameters;
  const command = readCommand(params, CONTEXT_COMMANDS, ' or ');
  let context: Record<string, string> = {};
  if (command === 'add') {
    const encoded = readString(params, 'context');
    if (!encoded) throw new ApiError(400, missingParameter('context'));
    context = parseContext(encoded, limits);
    if (Object.keys(context).length === 0) throw invalidParameter('context', encoded, 'expected key=value pairs separated by |');
  }
  const { scope, publicIds } = readScopedPublicIds(request);
  if (command === 'add') {
    // Read before the update: two concurrent adds can each pass this check, so an asset may end
    // above the limit by at most what those requests add (each bounded by the limit itself).
    for (const asset of await findAssetsByPublicIds(deps.db, { ...scope, publicIds })) {
      const bytes = contextBytes({ ...asset.context, ...context });
      if (bytes > limits.contextMaxBytes) throw contextTooLarge(bytes, limits, `Context of ${asset.publicId} would be`);
    }
  }
  const updated = await updateContext(deps.db, {
    scope,
    publicIds,
    command,
    context: { ...context },
  });
  return { public_ids: updated };
}
