import type { AssetScope } from '@rendition/catalog';
import {
  ApiError,
  invalidParameter,
  MAX_BULK_PUBLIC_IDS,
  missingParameter,
  parseDeliveryType,
  readList,
  readString,
  type RawParams,
} from '@rendition/protocol';
import type { ManagementRequest } from './management-dependencies.ts';

/** The `public_ids[]` of a tags/context/metadata call: required, at most MAX_BULK_PUBLIC_IDS (1000). */
export function readPublicIds(params: RawParams): string[] {
  const publicIds = [...new Set(readList(params, 'public_ids'))];
  if (publicIds.length === 0) throw new ApiError(400, missingParameter('public_ids'));
  if (publicIds.length > MAX_BULK_PUBLIC_IDS) {
    throw new ApiError(400, `Too many public_ids: at most ${MAX_BULK_PUBLIC_IDS} are allowed, got ${publicIds.length}`);
  }
  return publicIds;
}

/** The assets a tags/context/metadata call changes: its `public_ids[]`, then `type` (default upload) of the request's cloud and resource type. */
export function readScopedPublicIds(request: ManagementRequest): { scope: AssetScope; publicIds: string[] } {
  const publicIds = readPublicIds(request.params);
  const type = parseDeliveryType(readString(request.params, 'type') ?? 'upload');
  return { scope: { cloudName: request.cloudName, resourceType: request.resourceType, type }, publicIds };
}

/** The required `command` of a call, one of `commands`; the error lists them joined by `separator`. */
export function readCommand<Command extends string>(params: RawParams, commands: readonly Command[], separator: string): Command {
  const commandText = readString(params, 'command');
  if (!commandText) throw new ApiError(400, missingParameter('command'));
  const command = commands.find((known) => known === commandText);
  if (!command) throw invalidParameter('command', commandText, `expected ${commands.join(separator)}`);
  return command;
}
