import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { withDeadline } from '../deadline.ts';
import { readImageHeader } from '../image-header.ts';
import { assertImageLimits, type ImageLimits } from '../image-limits.ts';
import { imageSource } from '../image-source.ts';
import { MAX_SAMPLED_FRAMES } from '../moderation/frame-sampling.ts';
import { sampleVideoFrames } from '../moderation/sample-video-frames.ts';
import { toMediaError } from '../sharp-errors.ts';
import { cinemagraphScore, lumaPlane, sampledPages } from './cinemagraph-score.ts';

/** Frames are compared this small: motion of a region survives, pixel noise averages out, and the work stays constant. */
export const MOTION_SIZE = 64;
/** Default of CINEMAGRAPH_MAX_FRAMES: how many frames an animation or a video is sampled at. */
export const DEFAULT_CINEMAGRAPH_FRAMES = 8;

export type CinemagraphSource =
  | { resourceType: 'image'; format: string | null }
  | { resourceType: 'video'; format: string | null; durationSeconds: number | null; hasPicture: boolean };

export interface CinemagraphOptions {
  /** Frames sampled at most (1..MAX_SAMPLED_FRAMES). */
  maxFrames: number;
  limits: ImageLimits;
  /** A video's frame sampling ends by then (MediaError 'timeout'). */
  videoTimeoutMs: number;
}

/**
 * `cinemagraph_score` of a stored original (cinemagraph-score.ts has the measure). A still image — one
 * frame, a multi-page document, a picture without frames — is 0 without a decode. An animated GIF or
 * WebP is sampled at up to `maxFrames` evenly spread frames, a video at as many times spread over its
 * duration (one ffmpeg run each, as moderation samples it); audio without a picture is 0.
 */
export async function measureCinemagraph(path: string, source: CinemagraphSource, options: CinemagraphOptions): Promise<number> {
  if (!Number.isInteger(options.maxFrames) || options.maxFrames < 1 || options.maxFrames > MAX_SAMPLED_FRAMES) {
    throw new TypeError(`maxFrames must be an integer from 1 to ${MAX_SAMPLED_FRAMES}, got ${options.maxFrames}`);
  }
  if (source.resourceType === 'video') {
    if (!source.hasPicture || source.format === null || !source.durationSeconds || source.durationSeconds <= 0) return 0;
    const frames = await sampleVideoFrames(path, {
      count: options.maxFrames,
      durationSeconds: source.durationSeconds,
      size: MOTION_SIZE,
      timeoutMs: options.videoTimeoutMs,
      format: source.format,
    });
    return cinemagraphScore(frames.map((frame) => lumaPlane(frame.pixels.data)));
  }
  if (source.format !== 'gif' && source.format !== 'webp') return 0;
  return cinemagraphScore(await animationFrames(path, options.maxFrames, options.limits));
}

/** Luma planes of sampled frames of an animation; one frame when it is not animated. */
async function animationFrames(path: string, maxFrames: number, limits: ImageLimits): Promise<Uint8Array[]> {
  assertImageLimits(limits);
  const input = await imageSource(path);
  const header = await readImageHeader(input, limits);
  if (!header.animated) return [];
  const frames: Uint8Array[] = [];
  for (const page of sampledPages(header.pages, maxFrames)) {
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      const decode = sharp(input, { failOn: 'error', limitInputPixels: limits.maxInputPixels, page, pages: 1 })
        .resize({ width: MOTION_SIZE, height: MOTION_SIZE, fit: 'fill' })
        .flatten({ background: '#ffffff' })
        .greyscale()
        .timeout({ seconds: limits.timeoutSeconds })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      decoded = await withDeadline(decode, limits.timeoutSeconds);
    } catch (error) {
      throw toMediaError(error);
    }
    const { data, info } = decoded;
    // Ours, not the file's: outside the try, so it is not reported as a corrupt upload.
    if (info.channels !== 1) throw new Error(`expected one channel from the motion decode, got ${info.channels}`);
    frames.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return frames;
}
