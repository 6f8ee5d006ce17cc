import { addImageHash, findSimilarImages, maxDistanceForSimilarity, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import type { ImageClassifier } from '@rendition/classifiers';
import { analyzeImage, decodeForClassifier, sampleVideoFrames, type ImageLimits } from '@rendition/media';
import type { ModerationStep } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { imageVerdict, videoVerdict, type Verdict, type VerdictSettings } from './verdicts.ts';

export interface StepDependencies {
  db: CatalogDb;
  store: BlobStore;
  tmpDir: string;
  /** Bounds of the image decodes (the ingest's). */
  imageLimits: ImageLimits;
  /** The model, loaded on first use and kept for the life of the process. */
  classifier(): Promise<ImageClassifier>;
  nsfwThresholds: Readonly<Record<string, number>>;
  video: { frames: number; timeoutMs: number };
}

/** A verdict, and what follows an approval once it is committed (the duplicate index takes the image). */
export interface StepVerdict extends Verdict {
  onApproved?: () => Promise<void>;
}

type AutomaticStep = Exclude<ModerationStep, { kind: 'manual' }>;

/** Runs one automatic kind on the stored original at `path`. */
export async function runModerationStep(
  deps: StepDependencies,
  step: AutomaticStep,
  input: { asset: AssetRecord; path: string; signal: AbortSignal | undefined },
): Promise<StepVerdict> {
  if (step.kind === 'duplicate') return duplicateVerdict(deps, step.threshold, input);
  const classifier = await deps.classifier();
  const settings: VerdictSettings = { model: classifier.name, nsfwThresholds: deps.nsfwThresholds };
  if (input.asset.resourceType === 'video') {
    // An audio file has no picture to look at: nothing in it can cross a threshold.
    if (input.asset.width === null) return videoVerdict(step, [], settings);
    const duration = Number(input.asset.media?.duration ?? 0);
    const frames = await sampleVideoFrames(input.path, {
      count: deps.video.frames,
      durationSeconds: Number.isFinite(duration) ? duration : 0,
      size: classifier.inputSize,
      timeoutMs: deps.video.timeoutMs,
      format: input.asset.format ?? 'mp4',
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const scored = [];
    for (const frame of frames) scored.push({ timeOffset: frame.timeOffset, scores: await classifier.classify(frame.pixels) });
    return videoVerdict(step, scored, settings);
  }
  const pixels = await decodeForClassifier(input.path, classifier.inputSize, deps.imageLimits);
  return imageVerdict(step, await classifier.classify(pixels), settings);
}

/**
 * `duplicate:<t>`: the image's perceptual hash against the cloud's index. A match at or above the
 * similarity threshold rejects, naming the duplicates; otherwise the image joins the index once its
 * approval is committed. `duplicate:0` only indexes.
 */
async function duplicateVerdict(deps: StepDependencies, threshold: number, input: { asset: AssetRecord; path: string }): Promise<StepVerdict> {
  const { phash } = await analyzeImage(input.path, { colors: false, phash: true, quality: false, accessibility: false }, deps.imageLimits);
  if (phash === undefined) throw new Error('the perceptual hash was not computed');
  const index = () => addImageHash(deps.db, { assetId: input.asset.assetId, cloudName: input.asset.cloudName, phash });
  if (threshold === 0) return { status: 'approved', onApproved: index };
  const similar = await findSimilarImages(deps.db, {
    cloudName: input.asset.cloudName,
    phash,
    maxDistance: maxDistanceForSimilarity(threshold),
    excludeAssetId: input.asset.assetId,
  });
  if (similar.length === 0) return { status: 'approved', onApproved: index };
  return {
    status: 'rejected',
    // [GUESS] Cloudinary's shape for duplicates was not found (wave 2 §3.2).
    response: { duplicates: similar.map((image) => ({ public_id: image.publicId, asset_id: image.assetId, similarity: image.similarity })) },
  };
}
