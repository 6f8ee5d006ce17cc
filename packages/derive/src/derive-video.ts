import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findStreamingProfileRepresentations, type DerivedRecord } from '@rendition/catalog';
import { videoRecipeLimits, videoSourceOf, type VideoPlanLimits } from '@rendition/derivations';
import type { DeriveJobV1 } from '@rendition/jobs';
import { demuxerForFormat, executeVideoRecipe } from '@rendition/media';
import { ApiError } from '@rendition/protocol';
import { derivedKey, derivedSetMemberKey, localFileOf } from '@rendition/storage';
import { streamingProfileOf, videoRecipe, type VideoRecipe } from '@rendition/transform';
import { withTempDir } from '@rendition/scratch';
import { startDerivation, storeDerivative, type DeriveDependencies, type DerivedRecorder } from './derive-image.ts';

export interface VideoDeriveDependencies {
  video: {
    limits: VideoPlanLimits;
    /** One ffmpeg run's time limit (VIDEO_TIMEOUT_MS); past it the process group is killed. */
    timeoutMs: number;
    /** ffmpeg's -threads (VIDEO_THREADS; 0 = ffmpeg decides). */
    threads: number;
  };
}

/**
 * Computes one derivative of a video or audio asset with ffmpeg and records it, keyed like an image's
 * (asset version, canonical transformation, format), so retries and concurrent runs converge on one
 * stored file. The recipe is rebuilt from the stored probe: the API refused what cannot be made, the
 * worker refuses again (a payload may predate a limit). A stream (HLS/DASH) is stored as a set: its
 * members first, its master playlist last, then the row: a recorded set is always whole.
 */
export async function deriveVideo(
  deps: DeriveDependencies & VideoDeriveDependencies,
  job: DeriveJobV1,
  options: { signal: AbortSignal; onProgress: ((percent: number) => void) | undefined; record?: DerivedRecorder },
): Promise<DerivedRecord> {
  const start = await startDerivation(deps, job, 'video');
  if (start.kind === 'existing') return start.derived;
  const { plan, key, asset } = start;
  const profile = streamingProfileOf(plan);
  const custom = profile === undefined ? undefined : await findStreamingProfileRepresentations(deps.db, asset.cloudName, profile);
  const sizeLimits = { maxDimension: deps.limits.maxDimension, maxPixels: deps.limits.maxOutputPixels };
  const source = videoSourceOf(asset);
  const recipe = videoRecipe(plan, source, job.format, {
    limits: videoRecipeLimits(sizeLimits, deps.video.limits),
    streamingProfile: () => custom,
  });
  const identity = { ...key, transformation: job.transformation };

  return withTempDir(deps.tmpDir, async (dir) => {
    if (asset.bytes > deps.limits.maxSourceBytes) throw new ApiError(400, 'Original too large to transform');
    // Read in place where the store keeps a file: a long video is not copied to scratch first.
    const inputPath = await localFileOf(deps.store, asset.storageKey, () => Promise.resolve(join(dir, 'original')));
    const run = {
      timeoutMs: deps.video.timeoutMs,
      signal: options.signal,
      ...(deps.video.threads > 0 ? { threads: deps.video.threads } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(asset.format ? { inputDemuxer: demuxerForFormat(asset.format) } : {}),
      imageLimits: deps.limits,
      // The stored probe spares the executor probing the original again (a video stored before probes existed has none).
      ...(asset.media ? { source } : {}),
    };
    if (recipe.output.kind === 'streaming') return storeStream(deps, identity, await runStream(inputPath, dir, recipe, run), options.record);
    const outputPath = join(dir, `derived.${job.format}`);
    const result = await executeVideoRecipe(inputPath, outputPath, recipe, run);
    return storeDerivative(deps, identity, outputPath, result, options.record);
  });
}

type RunOptions = Parameters<typeof executeVideoRecipe>[3];

interface StreamOutput {
  dir: string;
  master: string;
  members: string[];
  width: number | null;
  height: number | null;
}

async function runStream(inputPath: string, dir: string, recipe: VideoRecipe, run: RunOptions): Promise<StreamOutput> {
  const outputDir = join(dir, 'stream');
  await mkdir(outputDir);
  const result = await executeVideoRecipe(inputPath, outputDir, recipe, run);
  const [master, ...members] = result.files ?? [];
  if (master === undefined) throw new Error('the streaming executor wrote no master playlist');
  return { dir: outputDir, master, members, width: result.width, height: result.height };
}

async function storeStream(
  deps: DeriveDependencies,
  identity: Parameters<typeof storeDerivative>[1],
  stream: StreamOutput,
  record: DerivedRecorder | undefined,
): Promise<DerivedRecord> {
  const masterKey = derivedKey(identity.assetId, identity.versionId, identity.transformationHash, identity.format);
  for (const member of stream.members) {
    await deps.store.putFile(derivedSetMemberKey(masterKey, member), join(stream.dir, member));
  }
  return storeDerivative(deps, identity, join(stream.dir, stream.master), { width: stream.width, height: stream.height }, record);
}
