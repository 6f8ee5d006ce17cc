import type { VideoSource } from '@rendition/transform';
import { MediaError } from '../media-error.ts';

// ffprobe's JSON (`-show_streams -show_format -print_format json`) → the fields Cloudinary puts in the
// response of a video or audio upload (shared/spec/cloudinary-reference-wave2.md §1.3), with their wire
// types: `video.bit_rate` and `audio.bit_rate` are strings, the top-level `bit_rate` an int, `level` an
// int (-99 when ffprobe has none), `frame_rate` a number that is an int when whole.
//
// Presence rules: `audio` and `video` are always there, `{}` when the stream is missing; `is_audio` only
// when there is an audio stream (false with a picture, true without); `width`, `height`, `frame_rate` and
// `rotation` only with a picture; `nb_frames` only when the container counts frames (mp4/mov, not
// webm/ogv/mkv). Cover art in an audio file (a stream with the attached_pic disposition) is not a picture.

export type VideoStreamFacts = {
  pix_format?: string;
  codec: string;
  level: number;
  profile?: string;
  bit_rate?: string;
  dar?: string;
  time_base?: string;
};

export type AudioStreamFacts = {
  codec: string;
  bit_rate?: string;
  frequency?: number;
  channels?: number;
  channel_layout?: string;
};

type Empty = Record<string, never>;

/** Cloudinary's video fields, in Cloudinary's key order. */
export type VideoFacts = {
  /** Display size: the coded size turned by the rotation. */
  width?: number;
  height?: number;
  audio: AudioStreamFacts | Empty;
  video: VideoStreamFacts | Empty;
  is_audio?: boolean;
  frame_rate?: number;
  bit_rate: number;
  duration: number;
  /** Clockwise degrees the player turns the picture: 0, 90, 180 or 270. */
  rotation?: number;
  nb_frames?: number;
};

type Json = Record<string, unknown>;

const INVALID = 'Invalid video file';

/** The facts of a probed file. MediaError('corrupt') when it has neither a picture nor a sound stream. */
export function ffprobeFacts(probe: unknown): VideoFacts {
  const { picture, sound, format } = streamsOf(probe);
  if (picture === undefined && sound === undefined) throw new MediaError('corrupt', INVALID);

  let size: { width: number; height: number } | undefined;
  let rotation = 0;
  if (picture !== undefined) {
    const width = int(picture.width);
    const height = int(picture.height);
    if (width === undefined || height === undefined || width < 1 || height < 1) throw new MediaError('corrupt', INVALID);
    rotation = rotationOf(picture);
    size = rotation === 90 || rotation === 270 ? { width: height, height: width } : { width, height };
  }
  const duration = durationOf(format, [picture, sound]);
  const rate = picture === undefined ? undefined : (rational(picture.r_frame_rate) ?? rational(picture.avg_frame_rate));
  const frames = picture === undefined ? undefined : int(picture.nb_frames);
  // Built in Cloudinary's key order.
  return {
    ...size,
    audio: sound === undefined ? {} : audioFacts(sound),
    video: picture === undefined ? {} : videoStreamFacts(picture),
    ...(sound === undefined ? {} : { is_audio: picture === undefined }),
    ...(rate === undefined ? {} : { frame_rate: rate }),
    bit_rate: bitRateOf(format, duration),
    duration,
    ...(picture === undefined ? {} : { rotation }),
    ...(frames === undefined || frames < 1 ? {} : { nb_frames: frames }),
  };
}

/**
 * The picture's frame rate for limits: the average rate (frames over time) when the container gives
 * it, else the nominal `r_frame_rate`. A variable-rate phone video has a nominal rate far above what it
 * carries (r_frame_rate 90000/1 is not rare); what costs work is frames per second actually stored.
 */
export function measuredFrameRate(probe: unknown): number | null {
  const { picture } = streamsOf(probe);
  if (picture === undefined) return null;
  return rational(picture.avg_frame_rate) ?? rational(picture.r_frame_rate) ?? null;
}

/** What a recipe needs to know of the source (the transform package's VideoSource). */
export function videoSource(facts: VideoFacts): VideoSource {
  const hasVideo = facts.width !== undefined && facts.height !== undefined;
  return {
    width: hasVideo ? facts.width! : null,
    height: hasVideo ? facts.height! : null,
    duration: facts.duration,
    frameRate: hasVideo && facts.frame_rate !== undefined ? facts.frame_rate : null,
    hasVideo,
    hasAudio: facts.is_audio !== undefined,
  };
}

function streamsOf(probe: unknown): { picture: Json | undefined; sound: Json | undefined; format: Json } {
  const root = isObject(probe) ? probe : {};
  const streams = Array.isArray(root.streams) ? root.streams.filter(isObject) : [];
  const picture = streams.find((stream) => stream.codec_type === 'video' && !isAttachedPicture(stream));
  const sound = streams.find((stream) => stream.codec_type === 'audio');
  return { picture, sound, format: isObject(root.format) ? root.format : {} };
}

function isAttachedPicture(stream: Json): boolean {
  const disposition = stream.disposition;
  return isObject(disposition) && Number(disposition.attached_pic) === 1;
}

function videoStreamFacts(stream: Json): VideoStreamFacts {
  const pixFormat = text(stream.pix_fmt);
  const ordered: VideoStreamFacts = {
    ...(pixFormat === undefined ? {} : { pix_format: pixFormat }),
    codec: text(stream.codec_name) ?? 'unknown',
    level: int(stream.level) ?? -99,
  };
  const profile = text(stream.profile);
  if (profile !== undefined) ordered.profile = profile;
  const bitRate = int(stream.bit_rate);
  if (bitRate !== undefined) ordered.bit_rate = String(bitRate);
  const dar = text(stream.display_aspect_ratio);
  if (dar !== undefined && dar !== 'N/A' && !/^0:/.test(dar) && !/:0$/.test(dar)) ordered.dar = dar;
  const timeBase = text(stream.time_base);
  if (timeBase !== undefined) ordered.time_base = timeBase;
  return ordered;
}

const DEFAULT_LAYOUTS: Readonly<Record<number, string>> = { 1: 'mono', 2: 'stereo' };

function audioFacts(stream: Json): AudioStreamFacts {
  const facts: AudioStreamFacts = { codec: text(stream.codec_name) ?? 'unknown' };
  const bitRate = int(stream.bit_rate);
  if (bitRate !== undefined) facts.bit_rate = String(bitRate);
  const frequency = int(stream.sample_rate);
  if (frequency !== undefined) facts.frequency = frequency;
  const channels = int(stream.channels);
  if (channels !== undefined) facts.channels = channels;
  // A WAV of one or two channels often declares no layout: ffmpeg itself then uses the default one.
  const layout = text(stream.channel_layout) ?? (channels === undefined ? undefined : DEFAULT_LAYOUTS[channels]);
  if (layout !== undefined) facts.channel_layout = layout;
  return facts;
}

/** 0, 90, 180 or 270 clockwise: the display matrix's rotation (counter-clockwise) negated, else the legacy `rotate` tag. */
function rotationOf(stream: Json): number {
  const sideData = Array.isArray(stream.side_data_list) ? stream.side_data_list.filter(isObject) : [];
  const matrix = sideData.find((entry) => entry.side_data_type === 'Display Matrix' && typeof entry.rotation === 'number');
  const tags = isObject(stream.tags) ? stream.tags : {};
  const clockwise = matrix !== undefined ? -Number(matrix.rotation) : Number(tags.rotate ?? 0);
  if (!Number.isFinite(clockwise)) return 0;
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

function durationOf(format: Json, streams: (Json | undefined)[]): number {
  const container = float(format.duration);
  if (container !== undefined && container > 0) return container;
  const fromStreams = streams.map((stream) => (stream === undefined ? undefined : float(stream.duration))).filter((value) => value !== undefined);
  return fromStreams.length === 0 ? 0 : Math.max(...fromStreams);
}

function bitRateOf(format: Json, duration: number): number {
  const declared = int(format.bit_rate);
  if (declared !== undefined) return declared;
  const size = int(format.size);
  return size !== undefined && duration > 0 ? Math.round((size * 8) / duration) : 0;
}

/** "30000/1001" → 29.97002997002997, "25/1" → 25; undefined for 0/0, N/A and the like. */
function rational(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d+)(?:\/(\d+))?$/.exec(value) : null;
  if (match === null) return undefined;
  const numerator = Number(match[1]);
  const denominator = match[2] === undefined ? 1 : Number(match[2]);
  if (numerator === 0 || denominator === 0) return undefined;
  return numerator / denominator;
}

function int(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}

function float(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
