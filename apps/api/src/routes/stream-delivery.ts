import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DerivedRecord } from '@rendition/catalog';
import { ApiError, contentTypeForFormat } from '@rendition/protocol';
import { derivedSetMemberKey, isDerivedSetMember, type BlobStore } from '@rendition/storage';
import { deliveryCacheControl } from '../delivery-headers.ts';
import { sendStored } from './delivery-route.ts';

// An adaptive stream (sp_…/….m3u8 or .mpd) is one derivative made of many files: its master playlist
// (the derivative's own blob) and the members stored beside it (rendition playlists, segments). Members
// are addressed by the stream's own URL plus `?member=<name>`: playlists name them relative to that URL,
// so a player resolves every reference against the public_id's URL, whatever the public_id is now, and
// a signed URL's signature (in the path) covers the members too.

const MAX_PLAYLIST_BYTES = 4 * 1024 * 1024;

const MEMBER_CONTENT_TYPES: Readonly<Record<string, string>> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  vtt: 'text/vtt',
};

export const isStreamingSet = (format: string): boolean => format === 'm3u8' || format === 'mpd';

/** The `member` of a delivery URL's query, or undefined. */
export function memberOf(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('member') ?? undefined;
}

const extensionOf = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/**
 * Points every reference of an HLS playlist or DASH manifest at `<base>?member=<reference>`: URI lines
 * and `URI="…"` attributes (HLS); `media`, `initialization` and BaseURL (DASH). References to anything
 * but a member name are left as they are (there are none in what the executor writes).
 */
export function rewritePlaylist(text: string, format: 'm3u8' | 'mpd', base: string): string {
  const point = (reference: string): string => (isMemberTemplate(reference) ? `${base}?member=${reference}` : reference);
  if (format === 'm3u8') {
    return text
      .split('\n')
      .map((line) => {
        const trimmed = line.trim();
        if (trimmed === '') return line;
        if (!trimmed.startsWith('#')) return point(trimmed);
        return line.replace(/URI="([^"]*)"/g, (_match, reference: string) => `URI="${point(reference)}"`);
      })
      .join('\n');
  }
  return text
    .replace(/\b(media|initialization)="([^"]*)"/g, (_match, attribute: string, reference: string) => `${attribute}="${point(reference)}"`)
    .replace(/<BaseURL>([^<]*)<\/BaseURL>/g, (_match, reference: string) => `<BaseURL>${point(reference)}</BaseURL>`);
}

/** A member name, or a DASH template of one (`chunk-stream$RepresentationID$-$Number%05d$.m4s`). */
function isMemberTemplate(reference: string): boolean {
  return isDerivedSetMember(reference.replace(/\$[A-Za-z]+(?:%0\d+d)?\$/g, '0'));
}

async function readSmall(store: BlobStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await store.get(key)) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > MAX_PLAYLIST_BYTES) throw new Error(`playlist ${key} is larger than ${MAX_PLAYLIST_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the stream's master playlist (no member) or one member. Playlists are rewritten for this URL;
 * segments are streamed with Range and ETag like any stored file.
 */
export async function sendStreamMember(
  deps: { store: BlobStore },
  request: FastifyRequest,
  reply: FastifyReply,
  derived: DerivedRecord,
  member: string | undefined,
  publicIdWithExt: string,
  immutable: boolean,
) {
  if (member !== undefined && !isDerivedSetMember(member)) throw new ApiError(404, `Resource not found - ${publicIdWithExt}?member=${member}`);
  const key = member === undefined ? derived.storageKey : derivedSetMemberKey(derived.storageKey, member);
  const extension = member === undefined ? derived.format : extensionOf(member);
  const contentType = MEMBER_CONTENT_TYPES[extension] ?? contentTypeForFormat(extension);
  const path = request.url.split('?')[0] ?? '';
  const base = path.slice(path.lastIndexOf('/') + 1);

  if (extension === 'm3u8' || extension === 'mpd') {
    const info = member === undefined ? true : await deps.store.head(key);
    if (!info) throw new ApiError(404, `Resource not found - ${publicIdWithExt}?member=${member}`);
    const body = rewritePlaylist(await readSmall(deps.store, key), extension, base);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    reply
      .header('content-type', contentType)
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', deliveryCacheControl(immutable))
      .header('access-control-allow-origin', '*');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.header('content-length', Buffer.byteLength(body));
    return request.method === 'HEAD' ? reply.send() : reply.send(body);
  }

  const info = await deps.store.head(key);
  if (!info) throw new ApiError(404, `Resource not found - ${publicIdWithExt}?member=${member}`);
  reply.header('access-control-allow-origin', '*');
  return sendStored(deps, request, reply, {
    storageKey: key,
    contentType,
    // Members never change once the set is recorded: the set's etag and the member's name identify the bytes.
    etag: createHash('md5').update(`${derived.etag}:${member}`).digest('hex'),
    bytes: info.size,
    lastModified: derived.createdAt,
    immutable,
    disposition: undefined,
  });
}
