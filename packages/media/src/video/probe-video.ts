import { MediaError } from '../media-error.ts';
import { ffprobeFacts, measuredFrameRate } from './ffprobe-facts.ts';
import type { VideoFacts } from './ffprobe-facts.ts';
import { probeArgs } from './ffprobe-args.ts';
import { runFfprobe } from './ffmpeg-runner.ts';

export { DEMUXER_BY_FORMAT, demuxerForFormat, SAFE_DEMUXERS } from './demuxers.ts';

export type VideoProbeLimits = {
  /** Longest accepted duration, in seconds. */
  maxDuration: number;
  /** Largest accepted width × height of the picture. */
  maxPixels: number;
  /** Highest accepted frame rate (frames actually stored per second; see measuredFrameRate). */
  maxFrameRate: number;
};

export type VideoProbeOptions = {
  limits: VideoProbeLimits;
  /** Force the demuxer (DEMUXER_BY_FORMAT[detected format]) instead of letting ffprobe guess from the bytes. */
  demuxer?: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
};

/**
 * Cloudinary's video fields of the file at `path` (a scratch file of ours), checked against the limits.
 * Only the safe demuxers and local files are allowed (demuxers.ts), so a playlist or a concat list is
 * refused as 'corrupt' without anything it names being opened. Errors: MediaError 'corrupt' (unreadable,
 * not a video, no picture or sound stream), 'too_large' (a limit, named in the message), 'timeout';
 * anything else (no ffprobe, the file missing) is ours.
 */
export async function probeVideo(path: string, options: VideoProbeOptions): Promise<VideoFacts> {
  const probe = await runFfprobe(probeArgs(path, options.demuxer), { timeoutMs: options.timeoutMs, signal: options.signal });
  const facts = ffprobeFacts(probe);
  assertVideoLimits(facts, measuredFrameRate(probe), options.limits);
  return facts;
}

/** The facts without limits (a file already accepted, or one we wrote). */
export async function readVideoFacts(path: string, options: Omit<VideoProbeOptions, 'limits'>): Promise<VideoFacts> {
  return ffprobeFacts(await runFfprobe(probeArgs(path, options.demuxer), { timeoutMs: options.timeoutMs, signal: options.signal }));
}

export function assertVideoLimits(facts: VideoFacts, frameRate: number | null, limits: VideoProbeLimits): void {
  if (facts.duration > limits.maxDuration) {
    throw new MediaError('too_large', `Video duration of ${round(facts.duration)} seconds exceeds the limit of ${limits.maxDuration} seconds`);
  }
  if (facts.width !== undefined && facts.height !== undefined && facts.width * facts.height > limits.maxPixels) {
    throw new MediaError('too_large', `Video of ${facts.width}x${facts.height} pixels exceeds the limit of ${limits.maxPixels} pixels`);
  }
  if (frameRate !== null && frameRate > limits.maxFrameRate) {
    throw new MediaError('too_large', `Video frame rate of ${round(frameRate)} frames per second exceeds the limit of ${limits.maxFrameRate}`);
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;
