import { mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultImageLimits } from '../image-limits.ts';
import { MediaError } from '../media-error.ts';
import { demuxerForFormat } from '../video/demuxers.ts';
import { runFfmpeg } from '../video/ffmpeg-runner.ts';
import { assertClassifierSize, decodeForClassifier } from './decode-for-classifier.ts';
import type { ClassifierPixels } from './decode-for-classifier.ts';
import { frameOffsets, frameSampleArgs } from './frame-sampling.ts';

export type VideoFrameSampling = {
  /** How many frames, evenly spread over the clip (frameOffsets). */
  count: number;
  /** The clip's duration (its stored probe's): where the frames are taken. */
  durationSeconds: number;
  /** Each frame comes back size x size (decodeForClassifier). */
  size: number;
  /** Every ffmpeg run and read-back ends by then: MediaError('timeout'). */
  timeoutMs: number;
  /** Stops the ffmpeg in progress (its whole process group); the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** The clip's detected container format (mp4, webm, gif…): its demuxer is forced, as everywhere else. */
  format: string;
};

export type SampledFrame = { timeOffset: number; pixels: ClassifierPixels };

/**
 * ffmpeg refuses pictures whose (width + 128) x (height + 128) reaches 2^28, so no frame it writes
 * exceeds sharp's default pixel limit: the video's own limits were checked when it was probed.
 */
const FRAME_PIXELS = defaultImageLimits.maxInputPixels;

/**
 * Frames of the video or animation at `path` (a scratch file of ours), ready for an image
 * classifier: one ffmpeg run per frame (a seek, then one frame decoded, as a PNG in a scratch folder
 * beside the input), read back with the image decode. A time past the picture's end (a sound track
 * longer than the picture, a duration rounded up) gives no frame and is left out; no frame at all
 * is MediaError('unsupported').
 *
 * Errors: MediaError for the input ('unsupported' format, 'corrupt', 'timeout'), the signal's reason
 * on abort, TypeError for bad options, Error for our own faults.
 */
export async function sampleVideoFrames(path: string, options: VideoFrameSampling): Promise<SampledFrame[]> {
  const offsets = frameOffsets(options.count, options.durationSeconds);
  assertClassifierSize(options.size);
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 1)
    throw new TypeError(`timeoutMs must be a positive integer, got ${options.timeoutMs}`);
  const demuxer = demuxerForFormat(options.format);
  if (demuxer === undefined) throw new MediaError('unsupported', 'Unsupported video format');
  const deadline = Date.now() + options.timeoutMs;
  const remaining = (): number => {
    const left = deadline - Date.now();
    if (left < 1) throw new MediaError('timeout', 'Video processing took too long');
    return Math.ceil(left);
  };

  // Beside the input: on the same disk as the job's other scratch files, and removed with them if we crash.
  const scratch = await mkdtemp(join(dirname(path), '.frames-'));
  try {
    const frames: SampledFrame[] = [];
    for (const [index, at] of offsets.entries()) {
      const png = join(scratch, `${index}.png`);
      await runFfmpeg(frameSampleArgs(path, png, at, demuxer), { timeoutMs: remaining(), signal: options.signal });
      if ((await sizeOf(png)) === 0) continue;
      const timeoutSeconds = Math.max(1, Math.min(3600, Math.floor(remaining() / 1000)));
      const pixels = await decodeForClassifier(png, options.size, { maxInputPixels: FRAME_PIXELS, timeoutSeconds });
      frames.push({ timeOffset: at, pixels });
      await rm(png, { force: true });
    }
    if (frames.length === 0) throw new MediaError('unsupported', 'The video has no frame to show');
    return frames;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
