import type { AssetRecord } from '@rendition/catalog';
import type { SizeLimits, VideoRecipeLimits, VideoSource } from '@rendition/transform';

/** The bounds of video work the API and the workers share (VIDEO_* and MAX_SYNC_VIDEO_BYTES). */
export interface VideoPlanLimits {
  /** A larger original is not transformed synchronously (a first delivery, eager without eager_async). */
  maxSyncBytes: number;
  maxPixels: number;
  maxFrameRate: number;
  maxBitRate: number;
}

export function videoRecipeLimits(size: SizeLimits, video: VideoPlanLimits): VideoRecipeLimits {
  return {
    maxDimension: size.maxDimension,
    maxPixels: Math.min(size.maxPixels, video.maxPixels),
    maxFrameRate: video.maxFrameRate,
    maxBitRate: video.maxBitRate,
  };
}

const hasStream = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length > 0;

/**
 * What a recipe needs of a video asset, from the probe stored with its version (assets.media, in wire
 * form). A video stored before probes existed has none: it is described as a picture of unknown length
 * with sound, and the executor finds out the rest.
 */
export function videoSourceOf(asset: Pick<AssetRecord, 'width' | 'height' | 'media'>): VideoSource {
  const media = asset.media ?? {};
  const duration = typeof media.duration === 'number' ? media.duration : 0;
  const frameRate = typeof media.frame_rate === 'number' ? media.frame_rate : null;
  const hasVideo = asset.media ? hasStream(media.video) && asset.width !== null : asset.width !== null;
  return {
    width: asset.width,
    height: asset.height,
    duration,
    frameRate,
    hasVideo,
    hasAudio: asset.media ? hasStream(media.audio) : true,
  };
}
