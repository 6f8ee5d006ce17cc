import { assertAbsolute, safeInputArgs } from '../video/ffprobe-args.ts';
import { num } from '../video/video-filters.ts';

/** More frames than any moderation samples: each is one ffmpeg run, so the bound bounds the job. */
export const MAX_SAMPLED_FRAMES = 100;

/**
 * The seconds at which `count` frames are taken: the middles of `count` equal slices of the clip,
 * (i + 0.5) x duration / count, so neither the first frame (often a black fade-in) nor the last is
 * all that is seen, and every part of the clip has its say. Milliseconds are plenty for a seek. A
 * clip without duration (a still) has one frame, at 0.
 */
export function frameOffsets(count: number, durationSeconds: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SAMPLED_FRAMES) {
    throw new TypeError(`count must be an integer from 1 to ${MAX_SAMPLED_FRAMES}, got ${count}`);
  }
  if (!Number.isFinite(durationSeconds) || durationSeconds < 0)
    throw new TypeError(`durationSeconds must be a finite number from 0, got ${durationSeconds}`);
  if (durationSeconds === 0) return [0];
  return Array.from({ length: count }, (_, index) => Math.round((((index + 0.5) * durationSeconds) / count) * 1000) / 1000);
}

/**
 * ffmpeg's arguments for the frame shown at `at` seconds, as displayed (ffmpeg applies the rotation),
 * written to `output` as an 8-bit RGB PNG. The input opens like every other (whitelisted protocols and
 * demuxers, the demuxer forced); the seek is an input option, so only the stretch from the keyframe
 * before `at` is decoded, however long the clip. Fast PNG compression: the file is read back at once and
 * deleted, and a 4K frame at the default level costs more to squeeze than to classify.
 */
export function frameSampleArgs(input: string, output: string, at: number, demuxer: string): string[] {
  assertAbsolute(output);
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    ...safeInputArgs(input, { demuxer, before: at > 0 ? ['-ss', num(at)] : [] }),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-an',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-c:v',
    'png',
    '-compression_level',
    '1',
    '-pix_fmt',
    'rgb24',
    '-f',
    'image2',
    '-update',
    '1',
    `file:${output}`,
  ];
}
