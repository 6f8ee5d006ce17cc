import type { JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { RawParams } from '@rendition/protocol';
import type { AdminCaller, AdminReadDependencies } from './resource-reads.ts';

type Json = Record<string, unknown>;

/** What a moderation decision needs besides the reads: it notifies (a durable delivery, then queued). */
export interface AdminModerationDependencies extends AdminReadDependencies {
  queues: JobQueues;
  logger: Logger;
}

/**
 * `GET resources/:resource_type/moderations/:kind/:status` (`resources_by_moderation`): the assets whose
 * `kind` entry has `status`, keyset-paginated by public_id like every listing (`max_results`,
 * `next_cursor`, `direction`, `tags`, `context`, `metadata`, `moderations`, `fields`). Items add
 * `moderation_kind` and `moderation_status`.
 */
export async function listResourcesByModeration(
  _deps: AdminReadDependencies,
  _caller: AdminCaller,
  _path: { resourceType: string; kind: string; status: string },
  _params: RawParams,
): Promise<Json> {
  throw new Error('not implemented yet');
}

/**
 * `POST resources/:resource_type/:type/:public_id` with `moderation_status=approved|rejected|pending`
 * (and optional `notification_url`): decides the asset's moderation, notifies on a real change, and
 * answers the resource JSON with its updated `moderation` array.
 */
export async function decideModeration(
  _deps: AdminModerationDependencies,
  _caller: AdminCaller & { apiKey: string },
  _path: { resourceType: string; type: string; publicId: string },
  _params: RawParams,
): Promise<Json> {
  throw new Error('not implemented yet');
}
