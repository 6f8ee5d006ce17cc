import type { ImageClassifier, RgbPixels } from './image-classifier.ts';

/**
 * Classifies video frames (or any images) one after another, keeping each frame's extra fields (its
 * timeOffset) beside its scores. Sequential on purpose: the classifier runs one inference at a time anyway.
 */
export async function classifyMany<Frame extends { pixels: RgbPixels }>(
  classifier: ImageClassifier,
  frames: readonly Frame[],
): Promise<Array<Frame & { scores: Record<string, number> }>> {
  const results: Array<Frame & { scores: Record<string, number> }> = [];
  for (const frame of frames) results.push({ ...frame, scores: await classifier.classify(frame.pixels) });
  return results;
}
