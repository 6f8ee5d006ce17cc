import { notifyModeration } from '@rendition/batches';
import { changeModeration, findAsset, type AssetRecord } from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { AddressPolicy } from '@rendition/net';
import {
  ApiError,
  decideModerationEntry,
  entryForManualDecision,
  overallModerationStatus,
  parseDeliveryType,
  parseResourceType,
  readDecisionStatus,
  readString,
  type ModerationEntry,
  type RawParams,
} from '@rendition/protocol';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { describeResource, type AdminCaller, type AdminReadDependencies } from './resource-reads.ts';

export { listResourcesByModeration } from './resource-reads.ts';

type Json = Record<string, unknown>;

/** What a moderation decision needs besides the reads: it notifies (a durable delivery, then queued). */
export interface AdminModerationDependencies extends AdminReadDependencies {
  queues: JobQueues;
  logger: Logger;
  /** Checks the decision's own notification_url (the SSRF guard). */
  addressPolicy: AddressPolicy;
}

/**
 * `POST resources/:resource_type/:type/:public_id` with `moderation_status=approved|rejected|pending`
 * (and optional `notification_url`): decides the asset's moderation and answers the resource JSON with
 * its updated `moderation` array. The decided entry is the manual one while it waits, else the last
 * one that ran; an asset never moderated gets a `manual` entry (as a decision in Cloudinary's console
 * does). Every real change notifies (`moderation`); deciding the status an entry already has changes
 * nothing and notifies nobody (wave 2 §3.3).
 */
export async function decideModeration(
  deps: AdminModerationDependencies,
  caller: AdminCaller & { apiKey: string },
  path: { resourceType: string; type: string; publicId: string },
  params: RawParams,
): Promise<Json> {
  const resourceType = parseResourceType(path.resourceType);
  const type = parseDeliveryType(path.type);
  const statusText = readString(params, 'moderation_status');
  if (statusText === undefined) throw new ApiError(400, 'Missing required parameter - moderation_status');
  const status = readDecisionStatus(statusText);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));

  const asset = await findAsset(deps.db, { cloudName: caller.cloudName, resourceType, type, publicId: path.publicId });
  if (!asset) throw new ApiError(404, `Resource not found - ${path.publicId}`);
  await applyModerationDecision(deps, caller, asset, status, notificationUrl);
  return describeResource(deps, caller, { resourceType, type, publicId: path.publicId }, {});
}

/**
 * One decision on a found asset (decideModeration's, and `update`'s moderation_status): the entry it
 * decides, under the asset's row lock; a real change notifies.
 */
export async function applyModerationDecision(
  deps: AdminModerationDependencies,
  caller: AdminCaller & { apiKey: string },
  asset: AssetRecord,
  status: 'approved' | 'rejected' | 'pending',
  notificationUrl: string | undefined,
): Promise<void> {
  let decided: number | undefined;
  const change = await changeModeration(deps.db, { assetId: asset.assetId }, (stored) => {
    const entries: ModerationEntry[] = stored && stored.length > 0 ? (stored as ModerationEntry[]) : [{ kind: 'manual', status: 'pending' }];
    const index = entryForManualDecision(entries) ?? 0;
    if (entries[index]!.status === status && stored && stored.length > 0) return undefined;
    decided = index;
    const next = decideModerationEntry(entries, index, { status, at: new Date() });
    return { entries: next, status: overallModerationStatus(next) };
  });
  if (!change || decided === undefined) return;
  await notifyModeration(deps, {
    asset: change.asset,
    entry: (change.asset.moderation as ModerationEntry[])[decided]!,
    credentials: { apiKey: caller.apiKey, apiSecret: caller.apiSecret },
    urlBases: { publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl },
    notificationUrl,
  });
}
