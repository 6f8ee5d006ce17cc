import type { AssetRecord } from '@rendition/catalog';
import { deriveJob, deriveVideoJob } from '@rendition/jobs';

/**
 * Which job kind derives from an asset: video and audio go to the `video` queue (ffmpeg, long), so a
 * transcode never delays an image derivation; everything else to `derive`.
 */
export function deriveDefinitionFor(asset: Pick<AssetRecord, 'resourceType'>): typeof deriveJob | typeof deriveVideoJob {
  return asset.resourceType === 'video' ? deriveVideoJob : deriveJob;
}
