import { join } from 'node:path';
import { finishJob, notifyModeration, type BatchJobDependencies } from '@rendition/batches';
import { changeModeration, findApiKey, findAssetByVersionId, type AssetRecord } from '@rendition/catalog';
import { RejectedJobError, type JobHandler, type ModerateJobV1 } from '@rendition/jobs';
import {
  ApiError,
  decideModerationEntry,
  nextAutomaticEntry,
  overallModerationStatus,
  parseModeration,
  type ModerationEntry,
  type ModerationStep,
} from '@rendition/protocol';
import { isMediaError } from '@rendition/media';
import { withTempDir } from '@rendition/scratch';
import { runModerationStep, type StepDependencies } from './run-step.ts';

export type ModerateHandlerDependencies = BatchJobDependencies &
  StepDependencies & {
    /** Bases of the asset URLs in the moderation notifications. */
    publicBaseUrl: string;
    secureBaseUrl: string;
  };

/**
 * The `moderate` job: the automatic entries of a version's moderation chain, in order. Each verdict
 * is committed under the asset's row lock only if its entry still waits (a person may have decided it
 * meanwhile), then notified; an approval hands on to the next entry, a rejection aborts the rest, and a
 * manual entry ends the job (it waits outside the batch). The batch's result gets the final entries.
 */
export function createModerateHandler(deps: ModerateHandlerDependencies): JobHandler<'moderate'> {
  return {
    async handle(payload, context) {
      let entries: ModerationEntry[] | null;
      let asset: AssetRecord | undefined;
      try {
        asset = await findAssetByVersionId(deps.db, payload.versionId);
        if (asset && asset.assetId === payload.assetId) asset = await moderate(deps, payload, asset, context.signal);
        entries = (asset?.moderation as ModerationEntry[] | null | undefined) ?? null;
      } catch (error) {
        // A file the decoder cannot read is the upload's fault, as it would have been at the ingest.
        if (!(error instanceof ApiError) && !isMediaError(error)) throw error;
        const message = error instanceof ApiError ? error.message : `Moderation could not read the file: ${error.message}`;
        await finishJob(deps, { jobId: payload.jobId, outcome: { kind: 'failed', error: { status: 400, message } } });
        throw new RejectedJobError(message, { status: 400, cause: error });
      }
      const result = { moderation: entries };
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'completed', result },
        ...(entries && asset ? { resultChange: { kind: 'moderation', moderation: entries, placeholder: isPlaceholder(asset, entries) } as const } : {}),
      });
      return result;
    },
    async onExhausted(payload, error) {
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while moderating: ${error.message}` } },
      });
    },
  };
}

/** A rejected image is answered as Cloudinary's placeholder (`placeholder: true`, `bytes: 0`). */
export function isPlaceholder(asset: Pick<AssetRecord, 'resourceType'>, entries: readonly ModerationEntry[]): boolean {
  return asset.resourceType === 'image' && overallModerationStatus(entries) === 'rejected';
}

async function moderate(
  deps: ModerateHandlerDependencies,
  payload: ModerateJobV1,
  start: AssetRecord,
  signal: AbortSignal | undefined,
): Promise<AssetRecord> {
  const steps = parseModeration(payload.moderation);
  if (nextAutomaticEntry((start.moderation as ModerationEntry[] | null) ?? []) === undefined) return start;
  const credentials = await findApiKey(deps.db, payload.apiKey);
  return withTempDir(deps.tmpDir, async (dir) => {
    const path = join(dir, 'original');
    await deps.store.getFile(start.storageKey, path);
    let asset = start;
    for (;;) {
      const entries = (asset.moderation as ModerationEntry[] | null) ?? [];
      const index = nextAutomaticEntry(entries);
      if (index === undefined) return asset;
      const kind = entries[index]!.kind;
      const step = steps.find((candidate) => candidate.kind === kind);
      if (!step) return asset;
      const verdict = await runModerationStep(deps, step as Exclude<ModerationStep, { kind: 'manual' }>, { asset, path, signal });
      const change = await changeModeration(deps.db, { assetId: asset.assetId, versionId: payload.versionId }, (stored) => {
        const current = stored?.[index];
        if (!stored || current?.kind !== kind || current.status !== 'pending') return undefined;
        const next = decideModerationEntry(stored as ModerationEntry[], index, { ...verdict, at: new Date() });
        return { entries: next, status: overallModerationStatus(next) };
      });
      if (!change) return (await findAssetByVersionId(deps.db, payload.versionId)) ?? asset;
      asset = change.asset;
      if (verdict.status === 'approved') await verdict.onApproved?.();
      // The key may have been deleted since the upload: the decision stands, unannounced.
      if (credentials) {
        await notifyModeration(deps, {
          asset,
          entry: (asset.moderation as ModerationEntry[])[index]!,
          credentials: { apiKey: credentials.apiKey, apiSecret: credentials.apiSecret },
          urlBases: { publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl },
        });
      }
    }
  });
}
