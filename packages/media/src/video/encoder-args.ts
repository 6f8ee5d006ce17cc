import type { AudioCodecName, AudioContainer, VideoCodecName, VideoContainer, VideoRecipe } from '@rendition/transform';
import { num } from './video-filters.ts';

// Encoder and muxer options for a recipe's codecs and container. Pure.
//
// Quality → rate control. Without br_, every encoder runs in constant-quality mode:
//   q_<n> (1..100) maps linearly onto the encoder's useful CRF range, q_100 → the best end, q_1 → the worst:
//     libx264 crf 16..40 · libx265 crf 18..42 · libvpx-vp9 crf 15..55 · libvpx (vp8) crf 4..50
//     libtheora -q:v 10..0 · prores_ks: the profile decides (no quality knob)
//   q_auto[:level] (and no q_ at all, which is q_auto:good) uses fixed points:
//     libx264 best 20 · good 23 · eco 26 · low 29       libx265 best 24 · good 28 · eco 30 · low 32
//     libvpx-vp9 best 28 · good 32 · eco 36 · low 40     libvpx (vp8) best 6 · good 10 · eco 16 · low 24
//     libtheora best 9 · good 7 · eco 6 · low 5
// With br_ the bit rate wins and no CRF is set: `-b:v` (average), or for `:constant`
// `-b:v -minrate -maxrate` equal and a one-second `-bufsize`.

type CrfScale = { best: number; worst: number; auto: Record<'best' | 'good' | 'eco' | 'low', number> };

export const CRF_SCALES: Readonly<Record<Exclude<VideoCodecName, 'prores'>, CrfScale>> = {
  h264: { best: 16, worst: 40, auto: { best: 20, good: 23, eco: 26, low: 29 } },
  h265: { best: 18, worst: 42, auto: { best: 24, good: 28, eco: 30, low: 32 } },
  vp9: { best: 15, worst: 55, auto: { best: 28, good: 32, eco: 36, low: 40 } },
  vp8: { best: 4, worst: 50, auto: { best: 6, good: 10, eco: 16, low: 24 } },
  theora: { best: 10, worst: 0, auto: { best: 9, good: 7, eco: 6, low: 5 } },
};

/** The CRF (for theora: -q:v) of a recipe's quality on a codec's scale. */
export function crfFor(codec: Exclude<VideoCodecName, 'prores'>, quality: VideoRecipe['quality']): number {
  const scale = CRF_SCALES[codec];
  if (quality === null) return scale.auto.good;
  if (quality.kind === 'auto') return scale.auto[quality.level ?? 'good'];
  const value = Math.max(1, Math.min(100, quality.value));
  return Math.round(scale.worst + ((value - 1) / 99) * (scale.best - scale.worst));
}

export const VIDEO_ENCODERS: Readonly<Record<VideoCodecName, string>> = {
  h264: 'libx264',
  h265: 'libx265',
  vp8: 'libvpx',
  vp9: 'libvpx-vp9',
  theora: 'libtheora',
  prores: 'prores_ks',
};

export const AUDIO_ENCODERS: Readonly<Record<AudioCodecName, string>> = {
  aac: 'aac',
  mp3: 'libmp3lame',
  opus: 'libopus',
  vorbis: 'libvorbis',
  flac: 'flac',
  pcm_s16le: 'pcm_s16le',
};

/** The pixel format each video encoder is fed (4:2:0 everywhere but ProRes, which is 4:2:2 10-bit). */
export function pixelFormat(codec: VideoCodecName): string {
  return codec === 'prores' ? 'yuv422p10le' : 'yuv420p';
}

const X264_PROFILES = new Set(['baseline', 'main', 'high']);
const PRORES_PROFILES = new Set(['proxy', 'lt', 'standard', 'hq', '4444', '4444xq']);
const LEVEL = /^[1-6](?:\.[0-3])?$/;

/** x264/x265 encode speed: a middle ground between size and time for a worker. */
export const X264_PRESET = 'fast';

/**
 * Option names for one video stream: plain for a file with one picture (`-c:v`, `-crf`), stream-indexed
 * for the renditions of a streaming output (`-c:v:1`, `-crf:v:1`).
 */
export function streamOption(name: string, kind: 'v' | 'a', index: number | undefined): string {
  if (index === undefined) return name;
  return name.endsWith(`:${kind}`) ? `${name}:${index}` : `${name}:${kind}:${index}`;
}

export type VideoEncoderInput = Pick<VideoRecipe, 'bitRate' | 'quality'> & {
  video: NonNullable<VideoRecipe['video']>;
  container: VideoContainer | 'hls' | 'dash';
};

/** -c:v and everything that goes with it: preset, profile, level, rate control. */
export function videoEncoderArgs(input: VideoEncoderInput, index?: number): string[] {
  const { video, bitRate, quality, container } = input;
  const o = (name: string): string => streamOption(name, 'v', index);
  const args = [o('-c:v'), VIDEO_ENCODERS[video.codec]];
  const profile = video.profile?.toLowerCase() ?? null;
  const level = video.level !== null && LEVEL.test(video.level) ? video.level : null;
  switch (video.codec) {
    case 'h264':
      args.push(o('-preset'), X264_PRESET);
      if (profile !== null && X264_PROFILES.has(profile)) args.push(o('-profile:v'), profile);
      if (level !== null) args.push(o('-level:v'), level);
      break;
    case 'h265':
      args.push(o('-preset'), X264_PRESET, o('-x265-params'), level === null ? 'log-level=error' : `log-level=error:level-idc=${level}`);
      if (profile === 'main' || profile === 'main10') args.push(o('-profile:v'), 'main');
      // Apple players want hvc1 in MP4/MOV and fMP4 HLS.
      if (container === 'mp4' || container === 'mov' || container === 'hls') args.push(o('-tag:v'), 'hvc1');
      break;
    case 'vp8':
      args.push(o('-deadline'), 'good', o('-cpu-used'), '4');
      break;
    case 'vp9':
      args.push(o('-deadline'), 'good', o('-cpu-used'), '4', o('-row-mt'), '1');
      if (profile !== null && /^[0-3]$/.test(profile)) args.push(o('-profile:v'), profile);
      break;
    case 'theora':
      break;
    case 'prores':
      args.push(o('-profile:v'), profile !== null && PRORES_PROFILES.has(profile) ? profile : 'standard');
      return args; // a fixed-rate intra codec: no rate control, no keyframe interval
  }
  if (bitRate !== null) {
    const rate = String(Math.round(bitRate.bitsPerSecond));
    args.push(o('-b:v'), rate);
    if (bitRate.constant) args.push(o('-minrate'), rate, o('-maxrate'), rate, o('-bufsize'), rate);
  } else if (video.codec === 'theora') {
    args.push(o('-q:v'), String(crfFor('theora', quality)));
  } else {
    args.push(o('-crf'), String(crfFor(video.codec, quality)));
    // libvpx needs a rate next to its CRF: 0 is pure constant quality for VP9, a generous ceiling for VP8.
    if (video.codec === 'vp9') args.push(o('-b:v'), '0');
    if (video.codec === 'vp8') args.push(o('-b:v'), '10M');
  }
  return args;
}

/** The sample rates each audio encoder accepts (null: any). */
const SAMPLE_RATES: Readonly<Record<AudioCodecName, readonly number[] | null>> = {
  aac: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000],
  mp3: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000],
  opus: [8000, 12000, 16000, 24000, 48000],
  vorbis: null,
  flac: null,
  pcm_s16le: null,
};

/** af_'s rate, or the nearest one the encoder takes (af_44100 with opus → 48000). */
export function sampleRateFor(codec: AudioCodecName, requested: number): number {
  const rates = SAMPLE_RATES[codec];
  if (rates === null) return requested;
  return rates.reduce((best, rate) => (Math.abs(rate - requested) < Math.abs(best - requested) ? rate : best));
}

/** -c:a, -ar and, for a sound-only output with br_, -b:a. */
export function audioEncoderArgs(audio: NonNullable<VideoRecipe['audio']>, bitRate: VideoRecipe['bitRate'], index?: number): string[] {
  const o = (name: string): string => streamOption(name, 'a', index);
  const args = [o('-c:a'), AUDIO_ENCODERS[audio.codec]];
  if (audio.sampleRate !== null) args.push(o('-ar'), String(sampleRateFor(audio.codec, audio.sampleRate)));
  if (bitRate !== null && audio.codec !== 'flac' && audio.codec !== 'pcm_s16le') args.push(o('-b:a'), String(Math.round(bitRate.bitsPerSecond)));
  return args;
}

/**
 * `-force_key_frames` at every `seconds` of output time. A frame's time is rounded to its time base, so
 * the frame meant for 1.2 s may read 1.1999999…: a millisecond of slack keeps it a key frame.
 */
export function keyframeArgs(seconds: number): string[] {
  if (!(seconds > 0)) throw new TypeError(`keyframe interval must be positive, got ${seconds}`);
  return ['-force_key_frames', `expr:gte(t+0.001,n_forced*${num(seconds)})`];
}

/** The muxer of each container, and its options (the index first in MP4/MOV/M4A). */
export const MUXERS: Readonly<Record<VideoContainer | AudioContainer, string[]>> = {
  mp4: ['-f', 'mp4', '-movflags', '+faststart'],
  mov: ['-f', 'mov', '-movflags', '+faststart'],
  webm: ['-f', 'webm'],
  ogv: ['-f', 'ogg'],
  mkv: ['-f', 'matroska'],
  mp3: ['-f', 'mp3'],
  m4a: ['-f', 'ipod', '-movflags', '+faststart'],
  ogg: ['-f', 'ogg'],
  wav: ['-f', 'wav'],
  flac: ['-f', 'flac'],
};
