import { join } from 'node:path';
import { finishJob, type BatchJobDependencies } from '@rendition/batches';
import { findApiKey, findAssetByVersionId, recordVersionAnalysis, type AssetRecord } from '@rendition/catalog';
import type { UrlBases } from '@rendition/derivations';
import { RejectedJobError, type AnalyzeJobV1, type JobHandler } from '@rendition/jobs';
import { inputOnDisk, withTempDir } from '@rendition/scratch';
import { localFileOf } from '@rendition/storage';
import { toClientError } from './client-error.ts';
import type { IngestDependencies } from './ingest-service.ts';
import { computeResponsiveBreakpoints, responsiveBreakpointsField, storeResponsiveBreakpoints } from './responsive-breakpoints.ts';
import { computeAnalyses } from './upload-analysis.ts';
import { explicitVersionAnalysis } from './version-analysis.ts';

export type AnalyzeHandlerDependencies = Pick<IngestDependencies, 'db' | 'store' | 'limits' | 'tmpDir'> &
  Partial<Pick<IngestDependencies, 'analysisLimits' | 'video'>> &
  BatchJobDependencies &
  UrlBases;

/**
 * The `analyze` job: an explicit call's analyses of a stored version, read from its original in a
 * scratch directory. The fields join the batch's result (the explicit response); an image the
 * analyses cannot read fails the job with its 400, as an upload would.
 */
export function createAnalyzeHandler(deps: AnalyzeHandlerDependencies): JobHandler<'analyze'> {
  return {
    async handle(payload) {
      let fields: Record<string, unknown>;
      try {
        const asset = await findAssetByVersionId(deps.db, payload.versionId);
        if (!asset || asset.assetId !== payload.assetId)
          throw new RejectedJobError('Resource not found - the asset version no longer exists', { status: 404 });
        fields = await withTempDir(deps.tmpDir, async (dir) => {
          const path = await localFileOf(deps.store, asset.storageKey, () => Promise.resolve(join(dir, 'original')));
          const analyses = await computeAnalyses(deps, payload.analysis, {
            input: inputOnDisk({ path, bytes: asset.bytes, md5: asset.etag }),
            resourceType: asset.resourceType,
            format: asset.format,
            width: asset.width,
            height: asset.height,
            pages: asset.pages,
            ...(asset.media ? { media: asset.media } : {}),
          });
          // Kept with the version it read, so `resource` answers them later.
          await recordVersionAnalysis(deps.db, { assetId: asset.assetId, versionId: asset.versionId, ...explicitVersionAnalysis(analyses) });
          if (payload.responsiveBreakpoints === null) return analyses;
          return { ...analyses, responsive_breakpoints: await breakpointsOf(deps, asset, payload.responsiveBreakpoints, path, dir) };
        });
      } catch (error) {
        const clientError = error instanceof RejectedJobError ? error : toClientError(error, { sourceDescription: 'file' });
        if (!clientError) throw error;
        await finishJob(deps, {
          jobId: payload.jobId,
          outcome: { kind: 'failed', error: { status: clientError.status, message: clientError.message } },
        });
        throw new RejectedJobError(clientError.message, { status: clientError.status, cause: error });
      }
      await finishJob(deps, { jobId: payload.jobId, outcome: { kind: 'completed', result: fields }, resultChange: { kind: 'analysis', fields } });
      return fields;
    },
    async onExhausted(payload, error) {
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while analysing: ${error.message}` } },
      });
    },
  };
}

/** An explicit call's responsive_breakpoints of the stored version: computed, kept where asked, and its answer's field. */
async function breakpointsOf(
  deps: AnalyzeHandlerDependencies,
  asset: AssetRecord,
  request: NonNullable<AnalyzeJobV1['responsiveBreakpoints']>,
  path: string,
  dir: string,
): Promise<Array<Record<string, unknown>>> {
  const credentials = await findApiKey(deps.db, request.apiKey);
  // The key was deleted since the call: nothing may sign the breakpoints' URLs of an authenticated asset.
  if (!credentials) throw new RejectedJobError(`Unknown API key ${request.apiKey}`, { status: 401 });
  const computed = await computeResponsiveBreakpoints(
    deps.limits,
    request.settings,
    { path, resourceType: asset.resourceType, format: asset.format, width: asset.width },
    dir,
  );
  await storeResponsiveBreakpoints(deps, asset, computed);
  return responsiveBreakpointsField(asset, computed, {
    apiSecret: credentials.apiSecret,
    publicBaseUrl: deps.publicBaseUrl,
    secureBaseUrl: deps.secureBaseUrl,
    cloudName: asset.cloudName,
  });
}
