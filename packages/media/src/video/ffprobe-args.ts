import { isAbsolute } from 'node:path';
import { DEMUXER_WHITELIST, isSafeDemuxer } from './demuxers.ts';

// Argument arrays for ffprobe, and the input options every ffmpeg and ffprobe run uses. Pure data:
// ffmpeg-runner.ts runs them.

/** Only local files and pipes: no http, tcp, udp, rtmp, data:, subfile, concat: or crypto: URL is opened. */
export const PROTOCOL_WHITELIST = 'file,pipe';

export type InputOptions = {
  /** Force this demuxer (one of SAFE_DEMUXERS) instead of probing the bytes. */
  demuxer?: string | undefined;
  /** Input options placed before `-i` (seeking, looping, decoder threads). */
  before?: readonly string[];
};

/**
 * The options that open one input safely: the protocol and demuxer whitelists, the forced demuxer if
 * any, then `-i file:<path>`. The `file:` prefix makes the path a plain file name whatever it contains
 * (a path with a colon is never read as a protocol). `path` must be absolute (a scratch file).
 */
export function safeInputArgs(path: string, options: InputOptions = {}): string[] {
  assertAbsolute(path);
  const demuxer = options.demuxer;
  if (demuxer !== undefined && !isSafeDemuxer(demuxer)) throw new TypeError(`demuxer ${demuxer} is not one of the allowed demuxers`);
  return [
    '-protocol_whitelist',
    PROTOCOL_WHITELIST,
    '-format_whitelist',
    DEMUXER_WHITELIST,
    ...(demuxer === undefined ? [] : ['-f', demuxer]),
    ...(options.before ?? []),
    '-i',
    `file:${path}`,
  ];
}

/** ffprobe's arguments: every stream and the container, as JSON, errors only on stderr. */
export function probeArgs(path: string, demuxer?: string): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_streams', '-show_format', ...safeInputArgs(path, { demuxer })];
}

export function assertAbsolute(path: string): void {
  if (!isAbsolute(path)) throw new TypeError(`ffmpeg paths must be absolute, got ${path}`);
}
